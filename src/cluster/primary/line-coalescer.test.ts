import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CoalescerClock, LineCoalescer } from './line-coalescer.js';

/** A clock that moves only when told, with timers that fire as it passes them. */
class FakeClock implements CoalescerClock {
  at = 1000;
  #timers: { due: number; fn: () => void; id: number }[] = [];
  #seq = 0;
  #deferred: (() => void)[] = [];
  /** Called after a timer, before the deferred functions run: "I/O read in the poll phase". */
  beforeDeferred: (() => void) | undefined;
  now = () => this.at;
  defer = (fn: () => void) => {
    this.#deferred.push(fn);
  };
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.#seq;
    this.#timers.push({ due: this.at + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.#timers = this.#timers.filter((t) => t.id !== h);
  };
  advance(ms: number): void {
    const end = this.at + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.at = next.due;
      next.fn();
      this.beforeDeferred?.();
      for (const fn of this.#deferred.splice(0)) fn();
    }
    this.at = end;
  }
}

function setup(windowMs = 20) {
  const clock = new FakeClock();
  const records: string[] = [];
  const c = new LineCoalescer((r) => records.push(r), { clock, windowMs });
  return {
    clock,
    records,
    c,
    push: (...lines: string[]) => {
      for (const l of lines) c.push(l);
    },
  };
}

test('a stack trace is one record; the next plain line starts a new one', () => {
  const { records, push, c } = setup();
  push('Error: boom', '    at FlowCtrl.run (/app/flow.js:1:2)', '    at async Server.x (/app/s.js:3:4)', 'next line');
  assert.deepEqual(records, [
    'Error: boom\n    at FlowCtrl.run (/app/flow.js:1:2)\n    at async Server.x (/app/s.js:3:4)',
  ]);
  c.flush();
  assert.equal(records[1], 'next line');
});

test('console.error(err) with properties and a cause stays whole, up to the closing brace', () => {
  const { records, push, c } = setup();
  const lines = [
    'TypeError [ERR_X]: bad thing',
    '    at f (/a.js:1:1) {',
    "  code: 'ERR_X',",
    '  [cause]: Error: root',
    '      at g (/b.js:2:2)',
    '}',
  ];
  push(...lines, 'after');
  c.flush();
  assert.deepEqual(records, [lines.join('\n'), 'after']);
});

test('frames after a message that is not an error header join it, and make it an error', () => {
  const { records, push, c } = setup();
  push('request failed: Error: boom', '    at h (/c.js:1:1)', '  detail: 1', 'done');
  c.flush();
  assert.deepEqual(records, ['request failed: Error: boom\n    at h (/c.js:1:1)\n  detail: 1', 'done']);
});

test('indented lines after a plain line stay separate records (only errors take indented lines)', () => {
  const { records, push, c } = setup();
  push('table:', '  a  1', '  b  2');
  c.flush();
  assert.deepEqual(records, ['table:', '  a  1', '  b  2']);
});

test('a frame that arrives after the window starts a new record; the timer emits the open one', () => {
  const { records, push, clock } = setup(20);
  push('Error: one');
  clock.advance(10);
  push('    at a (/a.js:1:1)');
  assert.deepEqual(records, []);
  clock.advance(19);
  assert.deepEqual(records, [], 'the window counts from the last line');
  clock.advance(1);
  assert.deepEqual(records, ['Error: one\n    at a (/a.js:1:1)']);
  clock.advance(100);
  push('    at late (/l.js:1:1)');
  clock.advance(20);
  assert.deepEqual(records[1], '    at late (/l.js:1:1)');
});

test('a primary too busy to read: lines already waiting when the timer fires still join the record', () => {
  const { records, push, clock } = setup(20);
  push('Error: late read');
  clock.beforeDeferred = () => {
    clock.beforeDeferred = undefined;
    push('    at waiting (/w.js:1:1)');
  };
  clock.advance(25);
  assert.deepEqual(records, [], 'the record saw a line after the timer: not idle');
  clock.advance(20);
  assert.deepEqual(records, ['Error: late read\n    at waiting (/w.js:1:1)']);
});

test('at the end of a read a plain line is emitted at once; a record that may still grow waits for the window', () => {
  const { records, push, c, clock } = setup(20);
  push('listening on 8080');
  c.endOfChunk();
  assert.deepEqual(records, ['listening on 8080']);
  push('request failed: Error: boom');
  c.endOfChunk();
  assert.deepEqual(records, ['listening on 8080'], 'frames may come with the next read');
  push('    at next-read (/n.js:1:1)');
  c.endOfChunk();
  clock.advance(25);
  assert.deepEqual(records[1], 'request failed: Error: boom\n    at next-read (/n.js:1:1)');
});

test('a record stops growing at maxLines', () => {
  const clock = new FakeClock();
  const records: string[] = [];
  const c = new LineCoalescer((r) => records.push(r), { clock, maxLines: 3 });
  for (const l of ['Error: x', '    at 1', '    at 2', '    at 3', '    at 4']) c.push(l);
  c.flush();
  assert.deepEqual(records, ['Error: x\n    at 1\n    at 2', '    at 3\n    at 4']);
});
