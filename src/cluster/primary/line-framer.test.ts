import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineFramer, MAX_LINE_BYTES } from './line-framer.js';

function frame(chunks: Buffer[], end = true): string[] {
  const lines: string[] = [];
  const framer = new LineFramer((l) => lines.push(l));
  for (const c of chunks) framer.push(c);
  if (end) framer.end();
  return lines;
}

test('splits on newlines, keeps partial lines until their end, strips CR', () => {
  assert.deepEqual(frame([Buffer.from('a\nb'), Buffer.from('c\r\nd')], false), ['a', 'bc']);
  assert.deepEqual(frame([Buffer.from('a\nb'), Buffer.from('c\r\nd')]), ['a', 'bc', 'd']);
  assert.deepEqual(frame([Buffer.from('\n\n')]), ['', '']);
});

test('a multi-byte character split across chunks stays whole; invalid UTF-8 becomes U+FFFD', () => {
  const snow = Buffer.from('☃\n');
  assert.deepEqual(frame([snow.subarray(0, 1), snow.subarray(1, 2), snow.subarray(2)]), ['☃']);
  assert.deepEqual(frame([Buffer.from([0x61, 0xff, 0x62, 0x0a])]), ['a\ufffdb']);
});

test('a 200 KiB line arrives whole, even in small chunks', () => {
  const line = 'x'.repeat(200 * 1024);
  const data = Buffer.from(`${line}\nnext\n`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 4096) chunks.push(data.subarray(i, i + 4096));
  const lines = frame(chunks);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.length, line.length);
  assert.equal(lines[1], 'next');
});

test('a line longer than MAX_LINE_BYTES is cut into pieces that each fit, losing nothing', () => {
  const text = 'é'.repeat(MAX_LINE_BYTES); // 2 bytes each: twice the limit
  const lines = frame([Buffer.from(text)]);
  assert.ok(lines.length >= 2);
  for (const l of lines) assert.ok(Buffer.byteLength(l) <= MAX_LINE_BYTES);
  assert.equal(lines.join(''), text);
});
