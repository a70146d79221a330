import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import { resolveSupervisorOptions } from './supervisor-options.js';

const app = fileURLToPath(import.meta.url);

test('the default address is 0.0.0.0:$PORT, else 0.0.0.0:7878; an empty --listen list means the default', () => {
  const saved = process.env.PORT;
  try {
    delete process.env.PORT;
    assert.deepEqual(resolveSupervisorOptions({ app, listen: [] }).listen, ['0.0.0.0:7878']);
    process.env.PORT = '9123';
    assert.deepEqual(resolveSupervisorOptions({ app }).listen, ['0.0.0.0:9123']);
    assert.deepEqual(resolveSupervisorOptions({ app, listen: ['127.0.0.1:1'] }).listen, ['127.0.0.1:1']);
  } finally {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  }
});

test('defaults are applied and values checked, naming the flag', () => {
  const resolved = resolveSupervisorOptions({ app, workers: 3 });
  assert.equal(resolved.workers, 3);
  assert.equal(resolved.heartbeatTimeout, 10_000);
  assert.equal(resolved.shutdownTimeout, 30_000);
  assert.equal(resolved.http2, false);
  assert.throws(() => resolveSupervisorOptions({ app, workers: 0 }), /--workers must be an integer from 1 to 1024/);
  assert.throws(
    () => resolveSupervisorOptions({ app, heartbeatTimeout: 50 }),
    /--heartbeat-timeout expects an integer >= 100/,
  );
  assert.throws(() => resolveSupervisorOptions({ app, http2: true }), /--http2 needs --tls-cert and --tls-key/);
  assert.throws(
    () => resolveSupervisorOptions({ app, tls: { cert: 'c.pem', key: '' } }),
    /--tls-cert and --tls-key go together/,
  );
  assert.throws(() => resolveSupervisorOptions({ app: '/no/such/app.ts' }), UsageError);
  assert.throws(() => resolveSupervisorOptions({ app, listen: ['127.0.0.1:99999'] }), /99999/);
});

const resolve = (listen: string[]) => resolveSupervisorOptions({ app, listen, workers: 1 });

test('--listen: the same address twice, or overlapping ones of one family, are refused', () => {
  assert.throws(() => resolve(['127.0.0.1:8080', '127.0.0.1:8080']), /--listen 127\.0\.0\.1:8080 is given twice/);
  assert.throws(
    () => resolve(['0.0.0.0:8080', '127.0.0.1:8080']),
    /127\.0\.0\.1:8080 overlaps --listen 0\.0\.0\.0:8080/,
  );
  assert.throws(() => resolve(['8080', '127.0.0.1:8080']), /overlaps/);
  assert.throws(() => resolve(['unix:/tmp/a.sock', 'unix:/tmp/../tmp/a.sock']), /overlaps/);
  assert.equal(resolve(['0.0.0.0:8080', '[::]:8080']).listen.length, 2);
  assert.equal(resolve(['127.0.0.1:8080', '127.0.0.2:8080', '127.0.0.1:8081']).listen.length, 3);
  assert.equal(resolve(['127.0.0.1:0', '127.0.0.1:0']).listen.length, 2, 'port 0 twice: two free ports');
  assert.equal(resolveSupervisorOptions({ app, joinPort: true }).joinPort, true);
});
