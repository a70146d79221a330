import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { freePort } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

// The page functions below run in the browser; this is all of the DOM they use.
declare const document: { getElementById(id: string): { textContent: string | null } | null };

test('the chat page works in headless Chromium: two pages exchange a message', async (t) => {
  if (!chromiumAvailable(t)) return;
  const port = await freePort();
  const volley = new VolleyProcess(
    ['serve', `${repoRoot}/examples/chat.ts`, '--workers', '2', '--listen', `127.0.0.1:${port}`],
    {
      VOLLEY_REDIS_URL: '',
    },
  );
  t.after(() => volley.dispose());
  await volley.ready();

  const browser = await launchChromium(t);
  const ana = await browser.newPage();
  const bob = await browser.newPage();
  await ana.goto(`http://127.0.0.1:${port}/?room=garden&name=ana`);
  await bob.goto(`http://127.0.0.1:${port}/?room=garden&name=bob`);
  await ana.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('connected'), null, {
    timeout: 10_000,
  });
  await bob.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('connected'), null, {
    timeout: 10_000,
  });

  await ana.fill('#text', 'hello from ana');
  await ana.click('button');
  await bob.waitForFunction(() => document.getElementById('log')?.textContent?.includes('ana: hello from ana'), null, {
    timeout: 10_000,
  });
  await bob.fill('#text', 'hi ana, bob here');
  await bob.press('#text', 'Enter');
  await ana.waitForFunction(
    () => document.getElementById('log')?.textContent?.includes('bob: hi ana, bob here'),
    null,
    {
      timeout: 10_000,
    },
  );
  assert.match((await ana.textContent('#log')) ?? '', /ana: hello from ana.*bob: hi ana, bob here/s);
  assert.equal(await ana.title(), 'Volley chat');
});
