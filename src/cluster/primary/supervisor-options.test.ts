import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveSupervisorOptions } from './supervisor-options.js';

const app = fileURLToPath(import.meta.url); // any file that exists
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
