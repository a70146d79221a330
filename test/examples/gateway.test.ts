import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { freePort, sleep } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

const SECRET = 'gateway-test-secret-of-at-least-32-bytes';

function startUpstream(port: number, name: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', `${repoRoot}/examples/gateway-upstream.ts`, String(port), name],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('upstream on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`upstream ${name} exited with ${code}`)));
  });
}

function get(
  port: number,
  path: string,
  token?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port, path, agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      )
      .on('error', reject);
  });
}

const token = (sub: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

test('gateway: proxies to the upstreams behind JWT auth, one rate limit across workers, 502 for a dead upstream, 504 for a slow one', async (t) => {
  const [usersPort, deadPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const users = await startUpstream(usersPort, 'users');
  t.after(() => {
    users.kill('SIGTERM');
  });
  const volley = new VolleyProcess(
    ['serve', `${repoRoot}/examples/gateway.ts`, '--workers', '2', '--listen', `127.0.0.1:${gatewayPort}`],
    {
      UPSTREAM_USERS: `http://127.0.0.1:${usersPort}`,
      UPSTREAM_ORDERS: `http://127.0.0.1:${deadPort}`,
      JWT_SECRET: SECRET,
      RATE_LIMIT: '20',
      VOLLEY_REDIS_URL: '',
    },
  );
  t.after(() => volley.dispose());
  await volley.ready();

  const alice = await token('alice');
  const ok = await get(gatewayPort, '/api/users/42?x=1', alice);
  assert.equal(ok.status, 200, ok.body);
  const upstream = JSON.parse(ok.body) as { service: string; path: string; requestId: string; forwardedFor: string };
  assert.equal(upstream.service, 'users');
  assert.equal(upstream.path, '/42');
  assert.equal(upstream.requestId, ok.headers['x-request-id']);
  assert.equal(upstream.forwardedFor, '127.0.0.1');

  assert.equal((await get(gatewayPort, '/api/users/42')).status, 401);
  assert.equal((await get(gatewayPort, '/api/users/42', `${alice}x`)).status, 401);
  const dead = await get(gatewayPort, '/api/orders/7', alice);
  assert.equal(dead.status, 502);
  // The client is not told the internal upstream address; the merged log is.
  assert.ok(!dead.body.includes(String(deadPort)), dead.body);
  await sleep(200);
  assert.match(volley.output, new RegExp(`upstream http://127\\.0\\.0\\.1:${deadPort} failed`));
  assert.equal((await get(gatewayPort, '/api/users/slow?delay=3000', alice)).status, 504);

  // The gateway's own document: the proxied routes under the JWT scheme, health without.
  const doc = JSON.parse((await get(gatewayPort, '/openapi.json')).body) as {
    paths: Record<string, { get: { security?: unknown } }>;
  };
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/api/orders/{rest}', '/api/users/{rest}', '/healthz']);
  assert.deepEqual(doc.paths['/api/users/{rest}']!.get.security, [{ bearerAuth: [] }]);
  assert.equal(doc.paths['/healthz']!.get.security, undefined);

  // Bob's limit is 20 a minute for the machine, whichever worker takes the connection.
  const bob = await token('bob');
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await get(gatewayPort, `/api/users/${i}`, bob)).status);
  assert.equal(statuses.filter((s) => s === 200).length, 20);
  assert.equal(statuses.filter((s) => s === 429).length, 20);
  await sleep(200);
  const workersSeen = new Set(
    [...volley.output.matchAll(/GET \/api\/users\/\d+ (?:200|429) \d+B [\d.]+ms worker=(\d)/g)].map((m) => m[1]),
  );
  assert.deepEqual([...workersSeen].sort(), ['1', '2'], 'both workers served bob');
});
