// `volley logs` end to end: a real `volley serve` with 2 workers and its admin endpoint, and two
// real `volley logs` processes following it, one of them with --worker 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

test('volley logs follows lines printed after it started; --worker 2 shows only worker 2', async (t) => {
  const { volley, port, admin } = await serveFixture({ admin: true, workers: 2 });
  t.after(() => volley.dispose());
  await volley.ready();
  const all = new VolleyProcess(['logs', '--admin', `127.0.0.1:${admin}`]);
  t.after(() => all.dispose());
  const two = new VolleyProcess(['logs', '--admin', `127.0.0.1:${admin}`, '--worker', '2']);
  t.after(() => two.dispose());
  // Both print the backlog first: then they follow.
  await all.waitFor(/\[primary \d+\] all 2 worker\(s\) ready/);
  await two.waitFor(/\[worker 2 \d+\] fixture app loaded in worker 2/);

  // Fresh connections until both workers said something (the kernel picks the worker).
  const said = new Map<number, string[]>([
    [1, []],
    [2, []],
  ]);
  for (let i = 0; i < 200 && (said.get(1)!.length < 2 || said.get(2)!.length < 2); i++) {
    const tag = `tag${i}x`;
    const res = await freshFetch(`http://127.0.0.1:${port}/say?tag=${tag}`);
    const { worker } = (await res.json()) as { worker: number };
    said.get(worker)!.push(tag);
  }
  assert.ok(said.get(1)!.length >= 2 && said.get(2)!.length >= 2, 'both workers answered');
  for (const [worker, tags] of said) {
    for (const tag of tags)
      await all.waitFor(new RegExp(`\\[worker ${worker} \\d+\\] said ${tag} by worker ${worker}\\n`), 5000);
  }
  for (const tag of said.get(2)!) await two.waitFor(new RegExp(`said ${tag} by worker 2\\n`), 5000);
  const lines = two.output.split('\n').filter(Boolean);
  assert.ok(lines.length > 0);
  for (const line of lines) assert.match(line, /^\S+ \[worker 2 \d+( stderr)?\] /, `only worker 2: ${line}`);
  for (const tag of said.get(1)!) assert.ok(!two.output.includes(`said ${tag} `), `worker 1's ${tag} is not shown`);
});

test('volley logs --json --no-follow prints the backlog as JSON records and exits; bad flags are refused', async (t) => {
  const { volley, port, admin } = await serveFixture({ admin: true, workers: 1 });
  t.after(() => volley.dispose());
  await volley.ready();
  await freshFetch(`http://127.0.0.1:${port}/stack?tag=j1`);
  await volley.waitFor(/from req\.log/);
  const json = new VolleyProcess(['logs', '--admin', `127.0.0.1:${admin}`, '--since', '5m', '--json', '--no-follow']);
  t.after(() => json.dispose());
  assert.equal((await json.exited).code, 0);
  const records = json.output
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stack = records.find((r) => String(r.msg).startsWith('Error: boom j1'))!;
  assert.ok(stack, 'the stack is in the backlog');
  assert.equal(stack.level, 'error');
  assert.match(String(stack.msg), /\n\s+at /, 'as one record');
  assert.ok(records.some((r) => r.worker === 'primary' && String(r.msg).includes('worker(s) ready')));

  const bad = new VolleyProcess(['logs', '--admin', `127.0.0.1:${admin}`, '--since', 'yesterday']);
  t.after(() => bad.dispose());
  assert.equal((await bad.exited).code, 2);
  assert.match(bad.output, /--since expects a duration such as 30s, 5m, 2h or 1d, got 'yesterday'/);
});
