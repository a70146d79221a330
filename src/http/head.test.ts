import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../routing/index.js';
import { TestClient } from './test-client.js';

test('HEAD on a path with only a GET route answers with the GET headers and no body', async () => {
  const router = new Router().push(new Router('doc').get(() => 'twelve bytes'));
  const res = await TestClient.head('/doc').send(router);
  assert.equal(res.status, 200);
  assert.equal(res.header('content-length'), '12');
  assert.equal(res.body.length, 0);
});

test('an explicit HEAD route wins over the GET fallback; other methods still get 405', async () => {
  const router = new Router().push(
    new Router('doc').head((_req, res) => res.status(204).header('x-head', 'yes')).get(() => 'body'),
  );
  const head = await TestClient.head('/doc').send(router);
  assert.equal(head.status, 204);
  assert.equal(head.header('x-head'), 'yes');
  assert.equal((await TestClient.delete('/doc').send(router)).status, 405);
  assert.equal((await TestClient.head('/nowhere').send(router)).status, 404);
});
