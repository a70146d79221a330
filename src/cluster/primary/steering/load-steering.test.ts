import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadSteering, type SteeringMode } from './load-steering.js';

/** A LoadSteering on a fake clock and fake timers, recording what it steers and rescues. */
function harness(mode: SteeringMode, holdMs = 2, moved = 3) {
  let now = 1000;
  const timers = new Set<{ fn: () => void; at: number }>();
  const steered: number[][] = [];
  const rescues: { from: number; to: number[] }[] = [];
  const steering = new LoadSteering(
    mode,
    {
      steer: (slots) => steered.push([...slots].sort((a, b) => a - b)),
      rescue: (from, to) => {
        rescues.push({ from, to: [...to] });
        return moved;
      },
      now: () => now,
      setTimer: (fn, ms) => {
        const t = { fn, at: now + ms };
        timers.add(t);
        return t;
      },
      clearTimer: (t) => timers.delete(t as never),
    },
    holdMs,
  );
  return {
    steering,
    steered,
    rescues,
    timers,
    /** Moves the clock on, running the timers that come due. */
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at > now) continue;
        timers.delete(t);
        t.fn();
      }
    },
    last: () => steered.at(-1),
  };
}

test('a stalled slot is steered away at once and comes back no sooner than the hold time after it left', () => {
  const h = harness('queue', 5);
  h.steering.setActive(new Set([1, 2, 3]));
  assert.deepEqual(h.last(), [1, 2, 3]);
  h.steering.signal(2, 'stalled');
  assert.deepEqual(h.last(), [1, 3]);
  assert.deepEqual(h.steering.snapshot().excluded, [2]);

  h.advance(1);
  h.steering.signal(2, 'recovered');
  // Recovered 1 ms after leaving: held out until 5 ms after it left.
  assert.deepEqual(h.last(), [1, 3]);
  h.advance(3);
  assert.deepEqual(h.last(), [1, 3]);
  h.advance(1);
  assert.deepEqual(h.last(), [1, 2, 3]);
  const snap = h.steering.snapshot();
  assert.deepEqual(snap.excluded, []);
  assert.deepEqual(snap.events, { stalls: 1, exclusions: 1, inclusions: 1, rescues: 0 });
  assert.equal(snap.slots[2]!.exclusions, 1);
  assert.equal(snap.slots[2]!.excludedMs, 5);
});

test('a slot that recovers after the hold time comes back at once', () => {
  const h = harness('queue', 2);
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.advance(10);
  const before = h.steered.length;
  h.steering.signal(1, 'recovered');
  assert.deepEqual(h.last(), [1, 2]);
  assert.equal(h.steered.length, before + 1);
  assert.equal(h.timers.size, 0);
});

test('a new stall during the hold cancels the pending re-inclusion', () => {
  const h = harness('queue', 5);
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.steering.signal(1, 'recovered');
  h.advance(2);
  h.steering.signal(1, 'stalled');
  h.advance(10);
  assert.deepEqual(h.last(), [2], 'still stalled: stays out');
  assert.equal(h.steering.snapshot().events.stalls, 2);
  assert.equal(h.steering.snapshot().slots[1]!.exclusions, 1, 'one continuous exclusion');
});

test('never steers every connection away: workers that stall together are all kept, hashing as without steering', () => {
  const h = harness('queue');
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  assert.deepEqual(h.last(), [2]);
  h.advance(3);
  h.steering.signal(2, 'stalled');
  assert.deepEqual(h.last(), [1, 2]);
  assert.deepEqual(h.steering.snapshot().excluded, []);
  h.steering.signal(2, 'recovered');
  h.advance(5);
  assert.deepEqual(h.last(), [2]);
});

test('with every slot stalled, one whose loop last came round far earlier than the others stays out', () => {
  const h = harness('queue');
  h.steering.setActive(new Set([1, 2]));
  // Reported within a millisecond of each other, but slot 1's loop stopped 50 ms before slot 2's.
  h.steering.signal(1, 'stalled', 52);
  h.advance(1);
  h.steering.signal(2, 'stalled', 2);
  assert.deepEqual(h.last(), [2]);
});

test('with every slot stalled, one stuck far longer than the others stays out', () => {
  const h = harness('queue');
  h.steering.setActive(new Set([1, 2, 3]));
  h.steering.signal(1, 'stalled'); // blocked in a long callback
  h.advance(40);
  h.steering.signal(2, 'stalled'); // busy with a burst
  assert.deepEqual(h.last(), [3]);
  h.advance(2);
  h.steering.signal(3, 'stalled');
  assert.deepEqual(h.last(), [2, 3], 'the two busy ones, not the stuck one');
  h.steering.signal(3, 'recovered');
  assert.deepEqual(h.last(), [3], 'a recovered slot in its hold comes back before any stalled one');
});

test('rescue waits for a target: a slot stranded while every other is stalled is rescued when one recovers', () => {
  const h = harness('rescue');
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.advance(20);
  h.steering.signal(2, 'stalled');
  h.steering.signal(1, 'stranded');
  assert.deepEqual(h.rescues, []);
  h.steering.signal(2, 'recovered');
  assert.deepEqual(h.rescues, [{ from: 1, to: [2] }]);
  // Once its own loop comes round it is no longer stranded: nothing more is taken from it.
  h.steering.signal(1, 'recovered');
  h.steering.signal(2, 'stalled');
  h.steering.signal(2, 'recovered');
  assert.equal(h.rescues.length, 1);
});

test('repeated reports do not steer again: the same set is given to steer() once', () => {
  const h = harness('queue');
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.steering.signal(1, 'stalled');
  h.steering.signal(1, 'stranded');
  assert.equal(h.steered.length, 2);
  h.steering.signal(2, 'recovered'); // never stalled: nothing to do
  assert.equal(h.steered.length, 2);
  assert.equal(h.steering.snapshot().events.stalls, 1);
});

test('setActive steers again even when the set is the same (the sockets behind a slot may have changed)', () => {
  const h = harness('queue');
  h.steering.setActive(new Set([1, 2]));
  h.steering.setActive(new Set([1, 2]));
  assert.equal(h.steered.length, 2);
});

test('a stalled slot that leaves the active set (retiring, restarting) loses its stall and its pending re-inclusion', () => {
  const h = harness('queue', 5);
  h.steering.setActive(new Set([1, 2, 3]));
  h.steering.signal(2, 'stalled');
  h.advance(3);
  h.steering.setActive(new Set([1, 3]));
  assert.deepEqual(h.last(), [1, 3]);
  let snap = h.steering.snapshot();
  assert.equal(snap.slots[2]!.stalled, false);
  assert.equal(snap.slots[2]!.excluded, false);
  assert.equal(snap.slots[2]!.excludedMs, 3);
  // Back (a new worker in the slot): it takes connections at once.
  h.steering.setActive(new Set([1, 2, 3]));
  assert.deepEqual(h.last(), [1, 2, 3]);
  snap = h.steering.snapshot();
  assert.equal(snap.slots[2]!.exclusions, 1, 'its counters carry on (Prometheus counters per slot stay monotonic)');
});

test('steering only narrows the supervisor set: a slot that is not active never comes in by a recovery', () => {
  const h = harness('queue', 0);
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(3, 'stalled');
  h.steering.signal(3, 'recovered');
  h.advance(1);
  assert.ok(h.steered.every((set) => !set.includes(3)));
});

test('rescue mode: a stranded slot has its queue handed to the slots that take connections and are not stalled', () => {
  const h = harness('rescue', 2, 4);
  h.steering.setActive(new Set([1, 2, 3]));
  h.steering.signal(1, 'stalled');
  h.steering.signal(3, 'stalled');
  h.steering.signal(1, 'stranded');
  assert.deepEqual(h.rescues, [{ from: 1, to: [2] }]);
  const snap = h.steering.snapshot();
  assert.equal(snap.slots[1]!.rescued, 4);
  assert.equal(snap.events.rescues, 1);
});

test('rescue mode: nothing is rescued when every other slot is stalled too', () => {
  const h = harness('rescue');
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.steering.signal(2, 'stalled');
  h.steering.signal(1, 'stranded');
  assert.deepEqual(h.rescues, []);
});

test('rescue mode: a stranded report that moves nothing counts no rescue', () => {
  const h = harness('rescue', 2, 0);
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stranded');
  assert.deepEqual(h.rescues, [{ from: 1, to: [2] }]);
  assert.equal(h.steering.snapshot().events.rescues, 0);
  assert.deepEqual(h.last(), [2], 'a stranded report is a stall too');
});

test('queue mode steers away but never takes connections off a queue', () => {
  const h = harness('queue');
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.steering.signal(1, 'stranded');
  assert.deepEqual(h.rescues, []);
  assert.deepEqual(h.last(), [2]);
});

test('off mode ignores every report', () => {
  const h = harness('off');
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.steering.signal(1, 'stranded');
  assert.deepEqual(h.steered, [[1, 2]]);
  assert.deepEqual(h.rescues, []);
  assert.deepEqual(h.steering.snapshot().events, { stalls: 0, exclusions: 0, inclusions: 0, rescues: 0 });
});

test('excludedMs counts the exclusion still going on; stop() leaves no timer behind', () => {
  const h = harness('queue', 50);
  h.steering.setActive(new Set([1, 2]));
  h.steering.signal(1, 'stalled');
  h.advance(7);
  assert.equal(h.steering.snapshot().slots[1]!.excludedMs, 7);
  h.steering.signal(1, 'recovered');
  assert.equal(h.timers.size, 1);
  h.steering.stop();
  assert.equal(h.timers.size, 0);
});
