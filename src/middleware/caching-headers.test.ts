import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { cachingHeaders } from './caching-headers.js';

const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

function app(options?: Parameters<typeof cachingHeaders>[0]) {
  let version = 'v1';
  const router = new Router()
    .hoop(cachingHeaders(options))
    .push(new Router('doc').get(() => ({ version })).post(() => 'posted'))
    .push(new Router('tagged').get((_req, res) => res.header('etag', '"custom"').text('x')))
    .push(
      new Router('dated').get((_req, res) => {
        res.header('last-modified', LAST_MODIFIED).header('cache-control', 'max-age=60');
        return Readable.from(['streamed']);
      }),
    )
    .push(new Router('missing').get((_req, res) => res.status(404).text('gone')));
  return { router, bump: () => (version = 'v2') };
}

test('cachingHeaders adds a weak ETag and answers a matching If-None-Match with a bodiless 304', async () => {
  const { router, bump } = app();
  const first = await TestClient.get('/doc').send(router);
  assert.equal(first.status, 200);
  const etag = first.header('etag')!;
  assert.match(etag, /^W\/"[0-9a-f]+-[\w-]+"$/);
  const again = await TestClient.get('/doc').header('if-none-match', etag).send(router);
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.header('etag'), etag);
  // Weak comparison: the strong form and a list match too; * matches anything.
  assert.equal(
    (
      await TestClient.get('/doc')
        .header('if-none-match', `"x", ${etag.slice(2)}`)
        .send(router)
    ).status,
    304,
  );
  assert.equal((await TestClient.get('/doc').header('if-none-match', '*').send(router)).status, 304);
  assert.equal((await TestClient.head('/doc').header('if-none-match', etag).send(router)).status, 304);
  // A changed body has a new tag.
  bump();
  const changed = await TestClient.get('/doc').header('if-none-match', etag).send(router);
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.json(), { version: 'v2' });
  assert.notEqual(changed.header('etag'), etag);
});

test('cachingHeaders strong ETags, a handler ETag is kept, no ETag with etag: false', async () => {
  const strong = (await TestClient.get('/doc').send(app({ etag: 'strong' }).router)).header('etag')!;
  assert.match(strong, /^"[0-9a-f]+-[\w-]+"$/);
  const { router } = app();
  const tagged = await TestClient.get('/tagged').send(router);
  assert.equal(tagged.header('etag'), '"custom"');
  assert.equal((await TestClient.get('/tagged').header('if-none-match', 'W/"custom"').send(router)).status, 304);
  assert.equal((await TestClient.get('/doc').send(app({ etag: false }).router)).header('etag'), undefined);
});

test('cachingHeaders passes Last-Modified through and answers If-Modified-Since (streams too)', async () => {
  const { router } = app();
  const res = await TestClient.get('/dated').send(router);
  assert.equal(res.status, 200);
  assert.equal(res.text(), 'streamed');
  assert.equal(res.header('last-modified'), LAST_MODIFIED);
  assert.equal(res.header('etag'), undefined); // no hashing of streams
  const same = await TestClient.get('/dated').header('if-modified-since', LAST_MODIFIED).send(router);
  assert.equal(same.status, 304);
  assert.equal(same.body.length, 0);
  assert.equal(same.header('cache-control'), 'max-age=60');
  const later = await TestClient.get('/dated')
    .header('if-modified-since', 'Thu, 22 Oct 2015 07:28:00 GMT')
    .send(router);
  assert.equal(later.status, 304);
  const earlier = await TestClient.get('/dated')
    .header('if-modified-since', 'Tue, 20 Oct 2015 07:28:00 GMT')
    .send(router);
  assert.equal(earlier.status, 200);
  assert.equal(earlier.text(), 'streamed');
  const garbage = await TestClient.get('/dated').header('if-modified-since', 'not a date').send(router);
  assert.equal(garbage.status, 200);
  // If-None-Match wins over If-Modified-Since: a stream has no ETag, so no 304.
  const both = await TestClient.get('/dated')
    .headers({ 'if-none-match': '"zzz"', 'if-modified-since': LAST_MODIFIED })
    .send(router);
  assert.equal(both.status, 200);
});

test('cachingHeaders leaves non-GET and non-200 answers alone', async () => {
  const { router } = app();
  const post = await TestClient.post('/doc').header('if-none-match', '*').send(router);
  assert.equal(post.status, 200);
  assert.equal(post.header('etag'), undefined);
  const missing = await TestClient.get('/missing').header('if-none-match', '*').send(router);
  assert.equal(missing.status, 404);
  assert.equal(missing.text(), 'gone');
});
