import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLoad } from '../helpers/load.js';
import { freePort, sleep } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

const app = (body: string) => `import { Router } from 'volley';\nexport default new Router().get(() => '${body}');\n`;

test('--watch: an edit is served within 2 s with no failed request; a syntax error keeps the last good version; the fix is served', async (t) => {
  mkdirSync(join(repoRoot, '.volley-tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.volley-tmp', 'watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'app.mjs');
  writeFileSync(file, app('v1'));
  const port = await freePort();
  const volley = new VolleyProcess(['serve', file, '--workers', '1', '--listen', `127.0.0.1:${port}`, '--watch']);
  t.after(() => volley.dispose());
  await volley.ready();
  await volley.waitFor(/watching .* for changes/);

  // A client polls all the while; `firstSeen` is when each version was first answered.
  const firstSeen = new Map<string, number>();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const load = runLoad({
    port,
    concurrency: 2,
    maxRequests: 1_000_000,
    maxMs: 30_000,
    churn: false,
    until: stopped,
    key: (body) => {
      if (!firstSeen.has(body)) firstSeen.set(body, Date.now());
      return body;
    },
  });
  const until = async (what: string, ok: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output:\n${volley.output}`);
      await sleep(20);
    }
  };

  await until('v1', () => firstSeen.has('v1'), 5000);
  const edited = Date.now();
  writeFileSync(file, app('v2'));
  await until('v2 served', () => firstSeen.has('v2'), 5000);
  const servedAfter = firstSeen.get('v2')! - edited;
  assert.ok(servedAfter < 2000, `the edit was served after ${servedAfter} ms`);
  await volley.waitFor(/rolling reload to generation 2 done/);

  const from = volley.output.length;
  writeFileSync(file, 'export default {{{\n'); // a half-saved file
  await volley.waitFor(/watch: the previous version keeps serving/, 10_000, from);
  const keptAt = Date.now();
  await sleep(300);
  assert.equal(firstSeen.size, 2, `only v1 and v2 were ever served: ${[...firstSeen.keys()]}`);
  assert.ok(firstSeen.get('v2')! < keptAt);

  writeFileSync(file, app('v3'));
  await until('v3 served', () => firstSeen.has('v3'), 5000);
  stop();
  const result = await load;
  assert.equal(result.failed, 0, result.errors.join('\n'));
  assert.ok(result.ok > 50, `the client polled: ${result.ok} requests`);
  assert.equal(volley.output.match(/watch: .* changed, reloading/g)?.length, 3, 'one reload per save');
});
