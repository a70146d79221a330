import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSize, RotatingFile } from './rotating-file.js';

const finish = (file: RotatingFile) => new Promise<void>((resolve) => file.end(resolve));

test('rotates before passing maxSize and keeps `keep` old files, newest first', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-log-'));
  t.after(() => rmSync(dir, { recursive: true }));
  const path = join(dir, 'volley.log');
  const file = new RotatingFile(path, { maxSize: 100, keep: 2 });
  for (let i = 0; i < 10; i++) file.write(`${String(i).repeat(39)}\n`); // 40 bytes each: 2 per file
  await finish(file);
  assert.equal(file.rotations, 4);
  assert.equal(readFileSync(path, 'utf8'), `${'8'.repeat(39)}\n${'9'.repeat(39)}\n`);
  assert.equal(readFileSync(`${path}.1`, 'utf8'), `${'6'.repeat(39)}\n${'7'.repeat(39)}\n`);
  assert.equal(readFileSync(`${path}.2`, 'utf8'), `${'4'.repeat(39)}\n${'5'.repeat(39)}\n`);
  assert.equal(existsSync(`${path}.3`), false);
});

test('reopen() writes to a new file at the path after an external rotation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-log-'));
  t.after(() => rmSync(dir, { recursive: true }));
  const path = join(dir, 'volley.log');
  const file = new RotatingFile(path, { maxSize: 1 << 20, keep: 1 });
  await new Promise<void>((r) => file.write('before\n', () => r()));
  renameSync(path, `${path}.moved`);
  file.reopen();
  await new Promise<void>((r) => file.write('after\n', () => r()));
  await finish(file);
  assert.equal(readFileSync(`${path}.moved`, 'utf8'), 'before\n');
  assert.equal(readFileSync(path, 'utf8'), 'after\n');
});

test('a rotation after an external tool moved the file away (SIGUSR1 not yet handled) does not fail', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-log-'));
  t.after(() => rmSync(dir, { recursive: true }));
  const path = join(dir, 'volley.log');
  const file = new RotatingFile(path, { maxSize: 50, keep: 1 });
  const errors: Error[] = [];
  file.on('error', (err) => errors.push(err));
  await new Promise<void>((r) => file.write(`${'a'.repeat(39)}\n`, () => r()));
  renameSync(path, `${path}.moved`);
  // 40 more bytes pass maxSize: a rotation while PATH is gone.
  await new Promise<void>((r) => file.write(`${'b'.repeat(39)}\n`, () => r()));
  await finish(file);
  assert.deepEqual(errors, []);
  assert.equal(readFileSync(`${path}.moved`, 'utf8'), `${'a'.repeat(39)}\n`);
  assert.equal(readFileSync(path, 'utf8'), `${'b'.repeat(39)}\n`);
});

test('a write waiting for the stream to drain is released when a reopen ends that stream', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-log-'));
  t.after(() => rmSync(dir, { recursive: true }));
  const path = join(dir, 'volley.log');
  const file = new RotatingFile(path, { maxSize: 1 << 30, keep: 1 });
  // Bigger than the file stream's highWaterMark (16 KiB): write() returns false, the callback waits.
  const big = Buffer.alloc(1 << 20, 'x');
  const written = new Promise<void>((r) => file.write(big, () => r()));
  file.reopen();
  const outcome = await Promise.race([written.then(() => 'written'), new Promise((r) => setTimeout(r, 5000, 'stuck'))]);
  assert.equal(outcome, 'written');
  await finish(file);
});

test('parseSize reads bytes and K/M/G suffixes, refuses nonsense', () => {
  assert.equal(parseSize('1024'), 1024);
  assert.equal(parseSize('10K'), 10240);
  assert.equal(parseSize('5M'), 5 * 1024 * 1024);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('0'), undefined);
  assert.equal(parseSize('lots'), undefined);
});
