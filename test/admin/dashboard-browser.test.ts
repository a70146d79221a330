// The admin dashboard in headless Chromium: a real `volley serve` with 2 workers and an admin
// token, the page at GET / of the admin endpoint, live over GET /events.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { runLoad } from '../helpers/load.js';
import { freePort } from '../helpers/net.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

const TOKEN = 'dash-secret-1';

// The page functions below run in the browser; this is all of the page they use.
declare const document: {
  getElementById(id: string): { textContent: string | null; hidden: boolean } | null;
  querySelectorAll(sel: string): ArrayLike<{ textContent: string | null }>;
};
declare const window: { dashboard: { total: { rps: (number | null)[] }; markers: { kind: string }[] } };
declare function fetch(url: string, init?: unknown): Promise<{ status: number }>;

test('the dashboard in Chromium: both workers, live requests/s, a reload as a marker and a new generation; no token, no mutation', async (t) => {
  if (!chromiumAvailable(t)) return;
  const { volley, port, admin } = await serveFixture({ admin: true, workers: 2, args: ['--admin-token', TOKEN] });
  t.after(() => volley.dispose());
  await volley.ready();

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const origin = `http://127.0.0.1:${admin}`;
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', null, { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll('#workers tbody tr').length === 2, null, {
    timeout: 10_000,
  });
  const ids = await page.$$eval('#workers tbody tr', (rows) => rows.map((r) => r.getAttribute('data-id')));
  assert.deepEqual(ids, ['1', '2']);

  // Read-only without the token: no buttons, and the POST itself is refused.
  assert.equal(await page.evaluate(() => document.getElementById('actions')!.hidden), true);
  assert.match((await page.textContent('#mode')) ?? '', /read-only/);
  assert.equal(await page.evaluate(() => fetch('reload', { method: 'POST' }).then((r) => r.status)), 401);
  assert.equal(
    await page.evaluate(() =>
      fetch('stop', { method: 'POST', headers: { authorization: 'Bearer wrong' } }).then((r) => r.status),
    ),
    401,
  );

  // Requests/s moves while requests are sent.
  const load = runLoad({ port, path: '/whoami', concurrency: 4, maxRequests: 4000, maxMs: 8000, churn: false });
  await page.waitForFunction(() => window.dashboard.total.rps.slice(-5).some((v) => v !== null && v > 5), null, {
    timeout: 10_000,
  });
  const result = await load;
  assert.ok(result.ok > 0);
  await page.waitForFunction(() => Number(document.querySelectorAll('#workers td.rps')[0]?.textContent) >= 0, null, {
    timeout: 5000,
  });

  // With the token, the buttons appear; a reload shows as a marker and the generation changes.
  await page.fill('#token', TOKEN);
  assert.equal(await page.evaluate(() => document.getElementById('actions')!.hidden), false);
  await page.click('#reload');
  await page.waitForFunction(() => window.dashboard.markers.some((m) => m.kind === 'reload'), null, {
    timeout: 30_000,
  });
  await page.waitForFunction(
    () => [...Array.from(document.querySelectorAll('#workers td.generation'))].every((td) => td.textContent === '2'),
    null,
    { timeout: 30_000 },
  );
  assert.match((await page.textContent('#markers')) ?? '', /reload 1/);
  assert.match((await page.textContent('#result')) ?? '', /reload: reloaded/);
  await page.waitForFunction(
    () => (document.getElementById('log')?.textContent ?? '').includes('rolling reload to generation 2 done'),
    null,
    { timeout: 10_000 },
  );

  const shots = join(repoRoot, 'dist', 'screenshots');
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });

  const elsewhere = requested.filter((u) => !u.startsWith(`${origin}/`));
  assert.deepEqual(elsewhere, [], 'every request of the page goes to the admin endpoint');
  assert.ok(requested.includes(`${origin}/assets/uPlot.iife.min.js`));
  assert.ok(requested.includes(`${origin}/events`));
});

function get(
  socketPath: string,
  path: string,
  until: (body: string) => boolean,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (until(body)) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

test('the dashboard over a unix-socket admin endpoint: the page, uPlot and the event stream', async (t) => {
  const dir = join(tmpdir(), `volley-dash-${process.pid}-${await freePort()}`);
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'admin.sock');
  const port = await freePort();
  const volley = new VolleyProcess([
    'serve',
    fixture('app.ts'),
    '--workers',
    '2',
    '--listen',
    `127.0.0.1:${port}`,
    '--admin',
    `unix:${socket}`,
  ]);
  t.after(() => volley.dispose());
  await volley.ready();
  const page = await get(socket, '/', () => false);
  assert.equal(page.status, 200);
  assert.match(page.type, /text\/html/);
  assert.match(page.body, /<script src="assets\/uPlot\.iife\.min\.js"><\/script>/);
  const js = await get(socket, '/assets/uPlot.iife.min.js', () => false);
  assert.equal(js.status, 200);
  assert.match(js.body, /uPlot/);
  // The first event is the snapshot; within about a second a sample follows.
  const events = await get(socket, '/events', (b) => b.includes('event: sample'));
  assert.match(events.type, /text\/event-stream/);
  const hello = JSON.parse(/event: hello\ndata: (.*)\n/.exec(events.body)![1]!);
  assert.equal(hello.tokenRequired, false);
  assert.equal(hello.status.workers.length, 2);
  assert.ok(Array.isArray(hello.logs) && hello.logs.some((l: string) => l.includes('worker(s) ready')));
  const sample = JSON.parse(/event: sample\ndata: (.*)\n/.exec(events.body)![1]!);
  assert.deepEqual(Object.keys(sample.point.workers).sort(), ['1', '2']);

  // A browser's cross-site POST is refused, even without a token configured.
  const crossSite = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      { socketPath: socket, path: '/stop', method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(crossSite, 403);
  assert.ok(!volley.output.includes('graceful stop'), 'the server did not stop');
});
