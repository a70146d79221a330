import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { makeCert } from '../helpers/certs.js';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { sleep } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

const run = promisify(execFile);

/** User plus system CPU seconds of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The SHA-256 fingerprint of the certificate the server presents. */
function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      () => {
        const fp = socket.getPeerCertificate().fingerprint256;
        socket.end();
        resolve(fp);
      },
    );
    socket.on('error', reject);
  });
}

async function tlsServe(dir: string, extra: string[] = []) {
  const { volley, port, admin } = await serveFixture({
    workers: 2,
    admin: true,
    args: ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'), '--http2', ...extra],
  });
  return { volley, port, admin };
}

test('volley serve with TLS and HTTP/2: every worker serves h2; a SIGHUP with renewed files switches the certificate with 0 failed requests', async (t) => {
  const first = await makeCert();
  const renewed = await makeCert();
  t.after(() => {
    first.remove();
    renewed.remove();
  });
  const { volley, port } = await tlsServe(first.dir);
  t.after(() => volley.dispose());
  await volley.ready();

  const workers = new Set<string>();
  for (let i = 0; i < 60 && workers.size < 2; i++) {
    const { stdout } = await run('curl', [
      '-sk',
      '--http2',
      '-w',
      ' %{http_version}',
      `https://127.0.0.1:${port}/whoami`,
    ]);
    const [json, version] = stdout.split(' ');
    assert.equal(version, '2');
    workers.add(String((JSON.parse(json!) as { worker: number }).worker));
  }
  assert.deepEqual([...workers].sort(), ['1', '2']);

  const before = await presented(port);
  assert.equal(before, new X509Certificate(first.certPem).fingerprint256);
  const reloaded = volley.waitFor(/rolling reload to generation 2 done/, 30_000);
  const load = runLoad({
    port,
    tls: true,
    concurrency: 16,
    maxRequests: 1_000_000,
    maxMs: 30_000,
    churn: false,
    until: reloaded.then(() => sleep(300)),
  });
  await sleep(500);
  // A certificate renewal: new files at the same paths, then SIGHUP.
  copyFileSync(renewed.cert, first.cert);
  copyFileSync(renewed.key, first.key);
  volley.signal('SIGHUP');
  await reloaded;
  const result = await load;
  assert.equal(result.failed, 0, result.errors.join('; '));
  assert.ok(result.ok > 100, `only ${result.ok} requests`);
  assert.equal(await presented(port), new X509Certificate(renewed.certPem).fingerprint256);
});

test('bad certificate inputs: a missing file or a mismatched pair fails at start naming the file; a broken renewal aborts the reload', async (t) => {
  const a = await makeCert();
  const b = await makeCert();
  t.after(() => {
    a.remove();
    b.remove();
  });
  const { volley: missing } = await serveFixture({
    workers: 1,
    args: ['--tls-cert', '/nonexistent/c.pem', '--tls-key', a.key],
  });
  t.after(() => missing.dispose());
  assert.notEqual((await missing.exited).code, 0);
  assert.match(missing.output, /\/nonexistent\/c\.pem/);
  assert.equal(missing.workerPids.size, 0);

  const { volley: mismatched } = await serveFixture({ workers: 1, args: ['--tls-cert', a.cert, '--tls-key', b.key] });
  t.after(() => mismatched.dispose());
  assert.notEqual((await mismatched.exited).code, 0);
  assert.ok(mismatched.output.includes(a.cert) && mismatched.output.includes(b.key), mismatched.output);

  const usage = new VolleyProcess(['serve', fixture('app.ts'), '--http2']);
  t.after(() => usage.dispose());
  assert.equal((await usage.exited).code, 2);
  assert.match(usage.output, /--http2 needs --tls-cert and --tls-key/);

  const { volley, port: live } = await tlsServe(a.dir);
  t.after(() => volley.dispose());
  await volley.ready();
  const fingerprint = await presented(live);
  writeFileSync(a.key, 'not a key\n');
  const from = volley.output.length;
  volley.signal('SIGHUP');
  await volley.waitFor(/rolling reload stopped at worker 1/, 20_000, from);
  const res = await run('curl', ['-sk', '--http2', `https://127.0.0.1:${live}/`]);
  assert.equal(res.stdout, 'ok');
  assert.equal(await presented(live), fingerprint, 'the old workers keep serving the old certificate');
});

test('a client that opens and resets 10,000 HTTP/2 streams does not blow up the worker, which keeps serving others', async (t) => {
  const cert = await makeCert();
  t.after(() => cert.remove());
  const { volley, port, admin } = await tlsServe(cert.dir, []);
  t.after(() => volley.dispose());
  await volley.ready();
  const rss = async () => {
    const status = (await (await freshFetch(`http://127.0.0.1:${admin}/status`)).json()) as {
      workers: { rssBytes: number; pid: number }[];
    };
    return status.workers;
  };
  await sleep(1200); // one heartbeat, so RSS is reported
  const before = await rss();
  const cpuBefore = before.map((w) => cpuSeconds(w.pid));

  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  let opened = 0;
  const started = Date.now();
  // Rapid reset (CVE-2023-44487): open a stream and cancel it at once, 10,000 times.
  while (opened < 10_000 && !session.destroyed && !session.closed && Date.now() - started < 20_000) {
    try {
      const stream = session.request({ ':path': '/' });
      stream.on('error', () => undefined);
      stream.close(http2.constants.NGHTTP2_CANCEL);
    } catch {
      break; // the server sent GOAWAY: the session refuses new streams
    }
    opened++;
    if (opened % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  session.destroy();
  assert.ok(opened >= 1000, `only ${opened} streams could be opened`);

  // Another client is served promptly.
  const { stdout } = await run('curl', ['-sk', '--http2', '--max-time', '5', `https://127.0.0.1:${port}/`]);
  assert.equal(stdout, 'ok');
  await sleep(1200);
  const after = await rss();
  for (const w of after) {
    const was = before.find((b) => b.pid === w.pid);
    assert.ok(was, 'no worker was replaced');
    assert.ok(
      w.rssBytes - was.rssBytes < 64 * 1024 * 1024,
      `worker ${w.pid} grew by ${(w.rssBytes - was.rssBytes) >> 20} MiB`,
    );
  }
  assert.doesNotMatch(volley.output, /died|has not answered/);
  const cpuUsed = before.reduce((sum, w, i) => sum + cpuSeconds(w.pid) - cpuBefore[i]!, 0);
  assert.ok(cpuUsed < 10, `the workers spent ${cpuUsed.toFixed(1)} CPU seconds on ${opened} resets`);
  t.diagnostic(`${opened} streams opened and reset; workers used ${cpuUsed.toFixed(2)} CPU s`);
});

test('volley cert writes a usable self-signed localhost certificate and refuses to overwrite it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-certcmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = new VolleyProcess(['cert', '--out', dir, '--host', 'dev.local']);
  t.after(() => cert.dispose());
  assert.equal((await cert.exited).code, 0, cert.output);
  const crt = join(dir, 'localhost.crt');
  const key = join(dir, 'localhost.key');
  assert.ok(existsSync(crt) && existsSync(key));
  assert.equal(statSync(key).mode & 0o777, 0o600);
  const x509 = new X509Certificate(readFileSync(crt));
  assert.match(x509.subjectAltName ?? '', /DNS:localhost/);
  assert.match(x509.subjectAltName ?? '', /DNS:dev\.local/);
  assert.match(x509.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.ok(x509.checkPrivateKey(createPrivateKey(readFileSync(key))));
  const again = new VolleyProcess(['cert', '--out', dir]);
  t.after(() => again.dispose());
  assert.equal((await again.exited).code, 2);
  assert.match(again.output, /exists already/);
});
