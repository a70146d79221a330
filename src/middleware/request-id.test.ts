import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { listen, rawRequest } from './http-test-helpers.js';
import { requestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function app(options?: Parameters<typeof requestId>[0]) {
  const router = new Router().push(
    new Router('id').get((_req, _res, depot) => ({ id: depot.get<string>('requestId') })),
  );
  return new Service(router).hoop(requestId(options));
}

test('requestId makes a UUID, sets it on the response and in the Depot', async () => {
  const a = app();
  const one = await TestClient.get('/id').send(a);
  const two = await TestClient.get('/id').send(a);
  assert.match(one.header('x-request-id') ?? '', UUID);
  assert.equal(one.json<{ id: string }>().id, one.header('x-request-id'));
  assert.notEqual(one.header('x-request-id'), two.header('x-request-id'));
});

test('requestId keeps a valid incoming id', async () => {
  const res = await TestClient.get('/id').header('x-request-id', 'abc-123 from/the:edge').send(app());
  assert.equal(res.header('x-request-id'), 'abc-123 from/the:edge');
  assert.equal(res.json<{ id: string }>().id, 'abc-123 from/the:edge');
});

test('requestId replaces an incoming id that is too long or not printable ASCII', async () => {
  const a = app();
  const ok = 'x'.repeat(200);
  assert.equal((await TestClient.get('/id').header('x-request-id', ok).send(a)).header('x-request-id'), ok);
  assert.match(
    (await TestClient.get('/id').header('x-request-id', 'x'.repeat(201)).send(a)).header('x-request-id') ?? '',
    UUID,
  );
  // Clients refuse to send these, so they go over a raw socket.
  const server = await listen(a);
  try {
    for (const bad of ['caf\u00e9', 'tab\there', 'line\u00a0break']) {
      const res = await rawRequest(server.port, '/id', { headers: { 'x-request-id': bad } });
      assert.equal(res.status, 200);
      assert.match(res.headers['x-request-id'] ?? '', UUID, `replaced ${JSON.stringify(bad)}`);
    }
  } finally {
    await server.close();
  }
});

test('requestId runs on 404s as a Service hoop; custom header, generator and trustIncoming: false', async () => {
  let n = 0;
  const a = app({ header: 'X-Trace', generate: () => `gen-${++n}`, trustIncoming: false });
  const res = await TestClient.get('/nowhere').header('x-trace', 'client-chosen').send(a);
  assert.equal(res.status, 404);
  assert.equal(res.header('x-trace'), 'gen-1');
});

test('the id is also set on the request headers, for proxies and later hoops', async () => {
  const router = new Router().hoop(requestId()).get((req) => req.header('x-request-id') ?? 'none');
  const res = await TestClient.get('/').send(router);
  assert.equal(res.text(), res.header('x-request-id'));
  assert.match(res.text(), /^[0-9a-f-]{36}$/);
});
