import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { serveFixture } from '../helpers/volley-process.js';

/** GET on a fresh connection (agent: false), so the kernel's SO_REUSEPORT hash spreads them over workers. */
function fresh(port: number): Promise<{ status: number; worker: string | undefined; remaining: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            worker: res.headers['x-worker'] as string | undefined,
            remaining: res.headers['ratelimit-remaining'] as string | undefined,
          }),
        );
      })
      .on('error', reject);
  });
}

test('workerSharedStore under volley serve --workers 2: a limit of 50 admits exactly 50 of 100, across both workers', async (t) => {
  const { volley, port } = await serveFixture({ app: fixture('rate-limited-app.ts'), workers: 2 });
  t.after(() => volley.dispose());
  await volley.ready();

  // 100 requests, 10 at a time, each on its own connection.
  const results: Awaited<ReturnType<typeof fresh>>[] = [];
  for (let batch = 0; batch < 10; batch++) {
    results.push(...(await Promise.all(Array.from({ length: 10 }, () => fresh(port)))));
  }
  const admitted = results.filter((r) => r.status === 200);
  const limited = results.filter((r) => r.status === 429);
  assert.equal(admitted.length, 50, `admitted ${admitted.length}; output:\n${volley.output}`);
  assert.equal(limited.length, 50);
  const workers = new Set(results.map((r) => r.worker));
  assert.deepEqual([...workers].sort(), ['1', '2'], 'both workers answered');
  const admittedBy = new Set(admitted.map((r) => r.worker));
  assert.ok(admittedBy.size === 2, `both workers admitted some (admitted by ${[...admittedBy]})`);
  // The remaining counts handed out by both workers are 49..0, each once: one counter.
  assert.deepEqual(
    admitted.map((r) => Number(r.remaining)).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
});
