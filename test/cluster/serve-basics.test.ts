import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { freePort } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

const whoami = (body: string) => String((JSON.parse(body) as { worker: number }).worker);

test('two workers share 2,000 new connections, each at least 25%, one listening socket per slot', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '2', '--listen', `127.0.0.1:${port}`]);
  t.after(() => volley.dispose());
  await volley.ready();

  const load = await runLoad({
    port,
    path: '/whoami',
    concurrency: 16,
    maxRequests: 2000,
    maxMs: 60_000,
    churn: true,
    key: whoami,
  });
  assert.equal(load.failed, 0, load.errors.join('\n'));
  assert.equal(load.ok, 2000);
  const one = load.byKey.get('1') ?? 0;
  const two = load.byKey.get('2') ?? 0;
  assert.ok(one >= 500 && two >= 500, `uneven spread: worker 1 ${one}, worker 2 ${two}`);

  // `ss -ltn` lists listening TCP sockets; with SO_REUSEPORT each slot's socket is its own line.
  const ss = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  const sockets = ss.split('\n').filter((l) => l.includes(`:${port}`));
  assert.equal(sockets.length, 2, `expected 2 listening sockets, ss said:\n${ss}`);
});

test('workers see VOLLEY_WORKER_ID and VOLLEY_WORKER_GENERATION; TCP and unix listeners work together', async (t) => {
  const port = await freePort();
  const sock = join(tmpdir(), `volley-test-${process.pid}-${Date.now()}.sock`);
  const volley = new VolleyProcess([
    'serve',
    fixture('app.ts'),
    '--workers',
    '2',
    '--listen',
    `127.0.0.1:${port}`,
    '--listen',
    `unix:${sock}`,
  ]);
  t.after(() => volley.dispose());
  await volley.ready();
  const tcp = await freshFetch(`http://127.0.0.1:${port}/whoami`).then(
    (r) => r.json() as Promise<Record<string, number>>,
  );
  assert.ok(tcp.worker === 1 || tcp.worker === 2);
  assert.equal(tcp.generation, 1);
  const viaUnix = execFileSync('curl', ['-s', '--unix-socket', sock, 'http://localhost/whoami'], { encoding: 'utf8' });
  const parsed = JSON.parse(viaUnix) as { worker: number; generation: number };
  assert.ok(parsed.worker === 1 || parsed.worker === 2);
  assert.equal(parsed.generation, 1);
});

test('an app that throws while loading makes volley serve exit non-zero with the error', async (t) => {
  const { volley } = await serveFixture({ app: fixture('broken-app.ts'), workers: 2 });
  t.after(() => volley.dispose());
  const { code } = await volley.exited;
  assert.notEqual(code, 0);
  assert.match(volley.output, /the database is unreachable/);
  assert.match(volley.output, /failed to start/);
});

test('an app module without a default export is refused with a clear message', async (t) => {
  const { volley } = await serveFixture({ app: fixture('no-default.mjs'), workers: 1 });
  t.after(() => volley.dispose());
  const { code } = await volley.exited;
  assert.notEqual(code, 0);
  assert.match(
    volley.output,
    /has no default export \(it exports router\), which volley serve cannot serve\. Export a Volley Router or Service, a request listener/,
  );
});

test('a port in use fails fast, naming the address and the pid holding it', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => blocker.close(() => r())));
  const port = (blocker.address() as { port: number }).port;
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '1', '--listen', `127.0.0.1:${port}`]);
  t.after(() => volley.dispose());
  const { code } = await volley.exited;
  assert.notEqual(code, 0);
  assert.match(volley.output, new RegExp(`127\\.0\\.0\\.1:${port} is already in use by pid ${process.pid} `));
  assert.equal(volley.workerPids.size, 0, 'no worker may be started when the port is taken');
});

test('volley help, volley help serve, volley serve --help and volley status --help print usage', async (t) => {
  for (const args of [['help'], ['help', 'serve'], ['serve', '--help'], ['status', '--help']]) {
    const volley = new VolleyProcess(args);
    t.after(() => volley.dispose());
    const { code } = await volley.exited;
    assert.equal(code, 0, `${args.join(' ')}: ${volley.output}`);
    assert.match(volley.output, args.includes('serve') ? /Usage: volley serve [\s\S]*--join-port/ : /Usage:/);
  }
});

test('bad flags and addresses get a message and exit code 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['serve', fixture('app.ts'), '--workers', 'lots'], /--workers expects an integer/],
    [['serve', fixture('app.ts'), '--bogus'], /unknown option '--bogus'/],
    [['serve', fixture('app.ts'), '--worker', '2'], /unknown option '--worker'; did you mean --workers\?/],
    [
      ['serve', fixture('app.ts'), '--listen', '127.0.0.1:1', '--listen', '127.0.0.1:1'],
      /--listen 127\.0\.0\.1:1 is given twice/,
    ],
    [['scale', '0', '--admin', '127.0.0.1:1'], /volley scale N: N is the number of workers, an integer >= 1, got '0'/],
    [['status', '-w', '2'], /volley status has no option '-w': .*volley scale N/],
    [['serve', fixture('app.ts'), '--listen', '127.0.0.1:99999'], /port '99999'/],
    [['serve', fixture('app.ts'), '--log-format', 'xml'], /--log-format expects text or json/],
    [['serve', 'does/not/exist.ts'], /app module not found: does\/not\/exist.ts/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const volley = new VolleyProcess(args);
    t.after(() => volley.dispose());
    const { code } = await volley.exited;
    assert.equal(code, 2, `${args.join(' ')} exited ${code}: ${volley.output}`);
    assert.match(volley.output, message);
  }
});

test('without --listen, volley serve listens on 0.0.0.0:$PORT, and every worker sees that PORT', async (t) => {
  const port = await freePort('0.0.0.0');
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '1'], { PORT: String(port) });
  t.after(() => volley.dispose());
  await volley.ready();
  assert.match(volley.output, new RegExp(`with 1 worker\\(s\\) on 0\\.0\\.0\\.0:${port} \\(SO_REUSEPORT`));
  const response = await freshFetch(`http://127.0.0.1:${port}/whoami`);
  assert.equal(response.status, 200);
});
