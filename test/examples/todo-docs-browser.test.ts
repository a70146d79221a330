// The todo example's Swagger UI and Scalar pages in headless Chromium: both load from this
// server alone (no request leaves loopback) and show the operations of the OpenAPI document.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { freePort } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

// The page functions below run in the browser; this is all of the DOM they use.
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
  body: { innerText: string };
};

test('Swagger UI and Scalar load from loopback only and show the operations', { timeout: 90_000 }, async (t) => {
  if (!chromiumAvailable(t)) return;
  const port = await freePort();
  const volley = new VolleyProcess([
    'serve',
    join(repoRoot, 'examples', 'todo-api.ts'),
    '--workers',
    '1',
    '--listen',
    `127.0.0.1:${port}`,
  ]);
  t.after(() => volley.dispose());
  await volley.ready(45_000);

  const browser = await launchChromium(t);
  const context = await browser.newContext();
  // Every request the pages make goes through here: loopback ones proceed, any other is
  // recorded (and refused, so a missing network cannot make the test hang instead of fail).
  const outside: string[] = [];
  const served: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    if (url.hostname === '127.0.0.1' && url.port === String(port)) {
      served.push(url.pathname);
      return route.continue();
    }
    outside.push(url.href);
    return route.abort();
  });
  const errors: string[] = [];
  const watch = (page: Page) => page.on('pageerror', (err) => errors.push(err.message));

  const swagger = await context.newPage();
  watch(swagger);
  await swagger.goto(`http://127.0.0.1:${port}/docs`);
  await swagger.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
  const operations = await swagger.evaluate(() =>
    Array.from(document.querySelectorAll('.opblock-summary')).map((e) => (e.textContent ?? '').replace(/\s+/g, ' ')),
  );
  for (const expected of [
    /^GET\s*\/todosList/,
    /^POST\s*\/todosCreate/,
    /^DELETE\s*\/todos\/\{id\}/,
    /^PATCH\s*\/todos\/\{id\}/,
  ]) {
    assert.ok(
      operations.some((o) => expected.test(o)),
      `Swagger UI shows ${expected}: ${operations.join(' | ')}`,
    );
  }
  assert.ok(operations.some((o) => o.includes('Create a todo')));
  const outputDir = join(tmpdir(), 'volley-test-output');
  mkdirSync(outputDir, { recursive: true });
  const screenshot = join(outputDir, 'todo-swagger-ui.png');
  await swagger.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);

  const scalar = await context.newPage();
  watch(scalar);
  await scalar.goto(`http://127.0.0.1:${port}/scalar`);
  // innerText, not textContent: what the page renders, not text it keeps hidden.
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
  await scalar.waitForFunction(() => document.body.innerText.includes('Change some fields of a todo'), null, {
    timeout: 30_000,
  });
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
  const text = await scalar.evaluate(() => document.body.innerText);
  for (const summary of ['List the todos', 'Create a todo', 'Get a todo', 'Replace a todo', 'Delete a todo']) {
    assert.ok(text.includes(summary), `Scalar shows '${summary}'`);
  }

  assert.deepEqual(outside, [], 'no request left loopback');
  assert.deepEqual(errors, [], 'no script error on the pages');
  for (const path of ['/docs', '/docs/swagger-ui-bundle.js', '/openapi.json', '/scalar', '/scalar/standalone.js']) {
    assert.ok(served.includes(path), `the pages loaded ${path} from the app`);
  }
});
