import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { freePort, sleep } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

async function serve(extra: string[] = [], workers = 2) {
  const port = await freePort();
  const admin = await freePort();
  const volley = new VolleyProcess([
    'serve',
    fixture('app.ts'),
    '--workers',
    String(workers),
    '--listen',
    `127.0.0.1:${port}`,
    '--admin',
    `127.0.0.1:${admin}`,
    ...extra,
  ]);
  await volley.ready();
  return { volley, port, admin };
}

test('text log: worker lines are tagged with worker id and pid; the last line before a crash arrives; a 200 KiB line arrives whole', async (t) => {
  const { volley, port } = await serve([], 1);
  t.after(() => volley.dispose());
  const [pid] = [...volley.workerPids];
  assert.match(volley.output, new RegExp(`\\[worker 1 ${pid}\\] fixture app loaded in worker 1 generation 1`));

  assert.equal(await (await freshFetch(`http://127.0.0.1:${port}/bigline`)).text(), 'ok');
  const big = await volley.waitFor(new RegExp(`\\[worker 1 ${pid}\\] big:(z+):end\\n`), 5000);
  assert.equal(big[1]!.length, 200 * 1024);

  await freshFetch(`http://127.0.0.1:${port}/crash?tag=goodbye`).catch(() => undefined);
  await volley.waitFor(new RegExp(`\\[worker 1 ${pid}\\] last words of ${pid}: goodbye`), 5000);
  await volley.waitFor(new RegExp(`worker 1 \\(pid ${pid}\\) died \\(exit code 3\\)`), 5000);
});

test('json log: one object per line with time, level, worker, pid, stream, msg; JSON lines are merged; a stack is one record', async (t) => {
  const { volley, port } = await serve(['--log-format', 'json'], 1);
  t.after(() => volley.dispose());
  await freshFetch(`http://127.0.0.1:${port}/jsonlog`);
  await volley.waitFor(/from pino-like logger/, 5000);
  await freshFetch(`http://127.0.0.1:${port}/stack?tag=t1`, { headers: { 'x-request-id': 'rid-42' } });
  await volley.waitFor(/from req\.log/, 5000);
  const objects = volley.output
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const loaded = objects.find((o) => String(o.msg).startsWith('fixture app loaded'));
  assert.ok(loaded, 'the worker line is there');
  assert.deepEqual(Object.keys(loaded).sort(), ['level', 'msg', 'pid', 'stream', 'time', 'worker']);
  assert.equal(loaded.level, 'info');
  assert.equal(loaded.worker, 1);
  assert.equal(loaded.stream, 'stdout');
  assert.ok(volley.workerPids.has(loaded.pid as number));
  const merged = objects.find((o) => o.msg === 'from pino-like logger')!;
  assert.equal(merged.reqId, 7);
  assert.equal(merged.level, 'info', "pino's 30 is info");
  assert.equal(merged.worker, 1);
  const stack = objects.filter((o) => String(o.msg).includes('boom t1'));
  assert.equal(stack.length, 1, 'console.error(err) is one record');
  assert.equal(stack[0]!.level, 'error');
  assert.equal(stack[0]!.stream, 'stderr');
  assert.match(String(stack[0]!.msg), /^Error: boom t1\n\s+at .*\n[\s\S]*code: 'E_FIXTURE'\n\}$/);
  assert.ok(!objects.some((o) => /^\s+at /.test(String(o.msg))), 'no record is a lone stack frame');
  const reqLog = objects.find((o) => o.msg === 'from req.log')!;
  assert.deepEqual([reqLog.level, reqLog.reqId, reqLog.tag, reqLog.stream], ['warn', 'rid-42', 't1', 'stdout']);
  const event = objects.find((o) => String(o.msg).includes('all 1 worker(s) ready'))!;
  assert.equal(event.worker, 'primary');
  assert.equal(event.stream, 'primary');
});

test('/metrics: the aggregated request counter equals N and the per-worker series sum to it, with supervisor series', async (t) => {
  const { volley, port, admin } = await serve();
  t.after(() => volley.dispose());
  const n = 300;
  const load = await runLoad({ port, path: '/whoami', concurrency: 8, maxRequests: n, maxMs: 20_000, churn: true });
  assert.equal(load.ok, n);
  const res = await freshFetch(`http://127.0.0.1:${admin}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const series = text.split('\n').filter((l) => l.startsWith('volley_http_requests_total{') && l.includes('whoami'));
  const aggregate = series.filter((l) => !l.includes('worker='));
  assert.equal(aggregate.length, 1, series.join('\n'));
  assert.match(aggregate[0]!, /method="GET",route="[^"]*whoami",status="200"\} 300$/);
  const perWorker = series.filter((l) => l.includes('worker='));
  assert.equal(perWorker.length, 2, 'both workers served and are listed');
  const sum = perWorker.reduce((acc, l) => acc + Number(l.split(' ').pop()), 0);
  assert.equal(sum, n);
  assert.match(text, /volley_http_request_duration_seconds_bucket\{[^}]*le="0.005"/);
  assert.match(text, /^volley_workers\{state="ready"\} 2$/m);
  assert.match(text, /^volley_reloads_total 0$/m);
  assert.match(text, /^volley_worker_restarts_total\{worker="1"\} 0$/m);
  assert.match(text, /^volley_worker_rss_bytes\{worker="2"\} \d+/m);
  assert.match(text, /^volley_nodejs_eventloop_lag_seconds/m);
  assert.match(text, /^volley_nodejs_heap_size_used_bytes/m);
  for (const line of text.split('\n')) {
    const name = /^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
    if (name && !line.startsWith('#') && !name.startsWith('process_')) assert.ok(name.startsWith('volley_'), line);
  }
});

test('volley reload and volley scale act on the running primary; nothing answering gives a clear error', async (t) => {
  const { volley, admin } = await serve([], 1);
  t.after(() => volley.dispose());
  const reload = new VolleyProcess(['reload', '--admin', `127.0.0.1:${admin}`]);
  t.after(() => reload.dispose());
  assert.equal((await reload.exited).code, 0, reload.output);
  assert.match(volley.output, /rolling reload to generation 2 done/);
  const scale = new VolleyProcess(['scale', '2'], { VOLLEY_ADMIN: `127.0.0.1:${admin}` });
  t.after(() => scale.dispose());
  assert.equal((await scale.exited).code, 0, scale.output);
  const status = (await (await freshFetch(`http://127.0.0.1:${admin}/status`)).json()) as { workers: unknown[] };
  assert.equal(status.workers.length, 2);
  const nobody = await freePort();
  const lost = new VolleyProcess(['status', '--admin', `127.0.0.1:${nobody}`]);
  t.after(() => lost.dispose());
  assert.notEqual((await lost.exited).code, 0);
  assert.match(lost.output, new RegExp(`cannot reach the admin endpoint at 127.0.0.1:${nobody}: .*ECONNREFUSED`));
});

test('a non-loopback admin address without a token is refused at start; a unix admin socket has mode 0600', async (t) => {
  const { volley: open } = await serveFixture({ workers: 1, args: ['--admin', `0.0.0.0:${await freePort()}`] });
  t.after(() => open.dispose());
  assert.notEqual((await open.exited).code, 0);
  assert.match(open.output, /non-loopback admin address needs --admin-token/);
  assert.equal(open.workerPids.size, 0);

  const sock = join(tmpdir(), `volley-admin-${process.pid}-${Date.now()}.sock`);
  const { volley } = await serveFixture({ workers: 1, args: ['--admin', `unix:${sock}`] });
  t.after(() => volley.dispose());
  await volley.ready();
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  const status = new VolleyProcess(['status', '--admin', `unix:${sock}`, '--json']);
  t.after(() => status.dispose());
  assert.equal((await status.exited).code, 0, status.output);
  assert.equal((JSON.parse(status.output) as { workers: unknown[] }).workers.length, 1);
});

test('--log-file rotates at --log-max-size keeping --log-keep files, and SIGUSR1 reopens it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-logfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'volley.log');
  const { volley, port } = await serveFixture({
    workers: 1,
    args: ['--log-file', path, '--log-max-size', '4K', '--log-keep', '2'],
  });
  t.after(() => volley.dispose());
  // The log goes to the file, not stdout: wait for readiness there.
  const deadline = Date.now() + 15_000;
  while (!(existsSync(path) && readFileSync(path, 'utf8').includes('worker(s) ready')) && Date.now() < deadline) {
    await sleep(50);
  }
  assert.match(readFileSync(path, 'utf8'), /all 1 worker\(s\) ready/);
  assert.equal(volley.output, '', 'nothing goes to stdout');
  assert.equal(await (await freshFetch(`http://127.0.0.1:${port}/log?n=200`)).text(), 'logged');
  const rotatedUntil = Date.now() + 5000;
  while (!existsSync(`${path}.2`) && Date.now() < rotatedUntil) await sleep(50);
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`), 'rotated twice at least');
  assert.equal(existsSync(`${path}.3`), false, 'only --log-keep 2 old files');
  for (const f of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(f).size <= 4096, `${f} is over 4K`);

  renameSync(path, `${path}.external`);
  volley.signal('SIGUSR1');
  const reopenedUntil = Date.now() + 5000;
  while (!existsSync(path) && Date.now() < reopenedUntil) await sleep(50);
  // Said with what volley printed (its log goes to the file, so that is only a crash or a
  // failed start) and the file's state, so a failure here says why.
  await freshFetch(`http://127.0.0.1:${port}/log?n=1`).catch((err: Error) => {
    const state = `primary exit ${volley.child.exitCode ?? '-'}, reopened ${existsSync(path)}`;
    const log = existsSync(path) ? readFileSync(path, 'utf8') : readFileSync(`${path}.external`, 'utf8').slice(-2000);
    throw new Error(`${err.message} (${state}); output: ${volley.output}\nlog:\n${log}`, { cause: err });
  });
  const writtenUntil = Date.now() + 5000;
  while (!/line 0 from/.test(readFileSync(path, 'utf8')) && Date.now() < writtenUntil) await sleep(50);
  const fresh = readFileSync(path, 'utf8');
  assert.match(fresh, /log file .* reopened \(SIGUSR1\)/);
  assert.match(fresh, /line 0 from \d+/);
});

test('the accessLog hoop writes through the merged log, tagged with the worker', async (t) => {
  const { volley, port } = await serveFixture({ app: fixture('logged-app.ts'), workers: 1 });
  t.after(() => volley.dispose());
  await volley.ready();
  const [pid] = [...volley.workerPids];
  assert.equal(await (await freshFetch(`http://127.0.0.1:${port}/hello`)).text(), 'hi');
  await freshFetch(`http://127.0.0.1:${port}/nope`);
  await volley.waitFor(new RegExp(`\\[worker 1 ${pid}\\] GET /hello 200 2B [\\d.]+ms worker=1\\n`), 5000);
  await volley.waitFor(new RegExp(`\\[worker 1 ${pid}\\] GET /nope 404 \\d+B`), 5000);
});
