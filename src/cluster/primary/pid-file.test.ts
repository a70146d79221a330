import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StartupError } from './errors.js';
import { readPidFile, removePidFile, writePidFile } from './pid-file.js';

test('the pid file is replaced whole (no temporary file left) and removed only by the pid it names', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'volley.pid');
  writePidFile(path, 111);
  assert.equal(readFileSync(path, 'utf8'), '111\n');
  writePidFile(path, 222);
  assert.equal(readPidFile(path), 222);
  assert.deepEqual(readdirSync(dir), ['volley.pid']);
  removePidFile(path, 111); // a predecessor leaving: the file names its successor
  assert.equal(readPidFile(path), 222);
  removePidFile(path, 222);
  assert.deepEqual(readdirSync(dir), []);
  writeFileSync(path, 'not a pid');
  assert.equal(readPidFile(path), undefined);
  assert.throws(
    () => writePidFile(join(dir, 'missing', 'volley.pid')),
    (err: Error) => {
      return err instanceof StartupError && err.message.startsWith(`--pid-file ${join(dir, 'missing', 'volley.pid')}:`);
    },
  );
  assert.deepEqual(readdirSync(dir), ['volley.pid'], 'a failed write leaves no temporary file');
});
