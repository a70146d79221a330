/**
 * End-to-end tests of the addon's stall monitor (native/stall-monitor.c): a real child process
 * writes its loop turns into a progress cell and serves on a listening socket; the monitor in
 * this process watches the cell and the socket's accept queue. Loopback only; every child is
 * stopped by pid in `t.after`.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { type TestContext, test } from 'node:test';
import { native, type StallTiming } from '../../src/native/index.js';
import { forkFixture, rawRequest, ready, sleep, waitFor, within } from './fixture-processes.js';

const HOST = '127.0.0.1';
const LINUX = process.platform === 'linux';
const STATES = ['recovered', 'stalled', 'stranded'] as const;

type Change = { slot: number; state: (typeof STATES)[number]; queued: number; sinceTurnMs: number; at: number };

/** Fast timings, no alert pace: what a test does not set. */
const TEST_TIMING: StallTiming = {
  lookUs: 1000,
  idleLookUs: 4000,
  stallUs: 20_000,
  strandUs: 60_000,
  alertUs: 0,
  alertStalls: 0,
};

/** A monitor over 8 progress cells with TEST_TIMING and `overrides`; stopped (and its memfd closed) after the test. */
function startMonitor(t: TestContext, overrides: Partial<StallTiming> = {}) {
  const timing = { ...TEST_TIMING, ...overrides };
  const cellsFd = native().createProgressCells(8);
  const changes: Change[] = [];
  const monitor = native().startStallMonitor(cellsFd, 8, timing, (slot, state, queued, sinceTurnUs) =>
    changes.push({ slot, state: STATES[state]!, queued, sinceTurnMs: sinceTurnUs / 1000, at: performance.now() }),
  );
  t.after(() => {
    native().stopStallMonitor(monitor);
    native().closeFd(cellsFd);
  });
  return { cellsFd, monitor, changes };
}

function listener(t: TestContext): { fd: number; port: number } {
  const fd = native().openListener({ host: HOST, port: 0 });
  t.after(() => native().closeFd(fd));
  return { fd, port: native().localPort(fd) };
}

/** A raw HTTP/1.1 request on a fresh connection, destroyed after the test. */
function request(t: TestContext, port: number): { received: () => string; closed: () => boolean } {
  const req = rawRequest(port);
  t.after(() => req.socket.destroy());
  return req;
}

/** A stall-worker.mjs child serving a fresh listener and writing progress cell `cell`; ready. */
async function stallWorker(t: TestContext, cellsFd: number, cell: number) {
  const { fd, port } = listener(t);
  const worker = forkFixture(t, 'stall-worker.mjs', ['ignore', 'inherit', 'inherit', 'ipc', fd, cellsFd], {
    VOLLEY_TEST_CELL: String(cell),
  });
  await ready(worker, 'stall-worker.mjs');
  return { worker, fd, port };
}

/**
 * A stall-worker.mjs child on progress cell (and slot) `slot`, watched beside slot 7: an idle
 * listener that stands for another worker keeping up (its queue is empty), so the child's
 * stalls have room elsewhere and are reported.
 */
async function watchedWorkerWithRoom(t: TestContext, cellsFd: number, monitor: unknown, slot: number) {
  const watched = await stallWorker(t, cellsFd, slot);
  native().watchStalls(monitor, [
    { slot, fds: [watched.fd] },
    { slot: 7, fds: [listener(t).fd] },
  ]);
  return watched;
}

/** Asks the worker to block its loop for `ms`; resolves once it is about to. */
function block(worker: ChildProcess, ms: number): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const onMessage = (m: { blocking?: boolean }) => {
        if (!m?.blocking) return;
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
      worker.send({ block: ms });
    }),
    5000,
    'the worker to block',
  );
}

test('a worker that blocks with connections queued is reported stalled, then stranded (again while they wait), then recovered', {
  skip: !LINUX,
}, async (t) => {
  const { cellsFd, monitor, changes } = startMonitor(t);
  const { worker, fd, port } = await watchedWorkerWithRoom(t, cellsFd, monitor, 1);

  // Idle (its loop sleeps in epoll, the cell goes stale) and serving: neither is a stall.
  await sleep(100);
  const served = request(t, port);
  await waitFor(() => served.closed(), 5000, 'a request served before the block');
  assert.match(served.received(), /served by/);
  await sleep(50);
  assert.equal(changes.length, 0, `no report for an idle or serving worker: ${JSON.stringify(changes)}`);

  await block(worker, 800);
  const blockedAt = performance.now();
  const queued = [request(t, port), request(t, port), request(t, port)];
  await waitFor(() => changes.some((c) => c.state === 'stranded'), 5000, 'a stranded report');
  const [stalled, stranded] = changes;
  assert.equal(stalled?.slot, 1);
  assert.equal(stalled?.state, 'stalled');
  assert.ok(stalled!.queued >= 1, `queued ${stalled!.queued} at the stall report`);
  assert.ok(stalled!.sinceTurnMs >= 20, `its loop last came round ${stalled!.sinceTurnMs} ms before the report`);
  assert.equal(stranded?.state, 'stranded');
  assert.ok(
    stranded!.sinceTurnMs >= 60,
    `stranded once its loop has not come round for strandUs: ${stranded!.sinceTurnMs} ms`,
  );
  assert.ok(stalled!.at - blockedAt < 700, `stall reported ${(stalled!.at - blockedAt).toFixed(1)} ms into the block`);
  assert.equal(native().acceptQueueLength(fd), 3);
  assert.ok(
    queued.every((q) => q.received() === ''),
    'nothing answered while the worker is blocked',
  );

  // The loop comes round again: recovered, and the worker answers what waited.
  await waitFor(() => changes.some((c) => c.state === 'recovered'), 5000, 'a recovered report');
  // Reported again every 2 lookUs while the connections wait (nobody takes them here): 800 ms of
  // block, first reported 60 ms in; never more often than that.
  const strandedAt = changes.filter((c) => c.state === 'stranded').map((c) => c.at);
  // Spaced by the monitor's own clock: sinceTurnMs is stamped when a report is made, and the
  // loop's last turn stays the same all through the block (arrival times here add the
  // thread-safe call's own delay).
  assert.ok(strandedAt.length >= 20, `stranded reported ${strandedAt.length} times`);
  const strandedSince = changes.filter((c) => c.state === 'stranded').map((c) => c.sinceTurnMs);
  for (let i = 1; i < strandedSince.length; i++) {
    const gap = strandedSince[i]! - strandedSince[i - 1]!;
    assert.ok(gap >= 1.999, `stranded reports ${gap.toFixed(3)} ms apart`);
  }
  await waitFor(() => queued.every((q) => q.closed()), 5000, 'the queued requests answered');
  assert.ok(queued.every((q) => /served by/.test(q.received())));
});

test("a recovery is seen at the worker's next loop turn (it wakes the monitor), not at the next look", {
  skip: !LINUX,
}, async (t) => {
  // Looks are at least 1.5 s apart and a stranded report is 10 s away: only the worker's
  // wake-up can make the recovery known within milliseconds of the block's end (a monitor that
  // polled for it would see it up to 1.5 s late).
  const { cellsFd, monitor, changes } = startMonitor(t, {
    lookUs: 1_500_000,
    idleLookUs: 1_500_000,
    strandUs: 10_000_000,
  });
  const { worker, port } = await watchedWorkerWithRoom(t, cellsFd, monitor, 2);
  const BLOCK_MS = 4000;
  await block(worker, BLOCK_MS);
  const blockedAt = performance.now();
  const waiting = request(t, port);
  // The connection is first seen at a look and the stall at the next (both within the block).
  await waitFor(() => changes.some((c) => c.state === 'stalled'), 5000, 'a stalled report');
  await waitFor(() => changes.some((c) => c.state === 'recovered'), 5000, 'a recovered report');
  const recovered = changes.find((c) => c.state === 'recovered')!;
  const blockEnd = blockedAt + BLOCK_MS;
  assert.ok(
    recovered.at - blockEnd < 100,
    `recovery reported ${(recovered.at - blockEnd).toFixed(1)} ms after the block ended (${JSON.stringify(changes)})`,
  );
  assert.ok(recovered.at - blockedAt >= BLOCK_MS - 50, 'not before the block ended');
  assert.deepEqual(
    changes.map((c) => c.state),
    ['stalled', 'recovered'],
  );
  await waitFor(() => waiting.closed(), 5000, 'the waiting request answered');
  assert.match(waiting.received(), /served by/);
});

test('a stall is reported only once another slot has room: an empty queue and a loop that is not stalled', {
  skip: !LINUX,
}, async (t) => {
  const { cellsFd, monitor, changes } = startMonitor(t, {
    strandUs: 40_000,
  });
  const { worker, fd, port } = await stallWorker(t, cellsFd, 1);
  const other = listener(t);
  // Slot 2 has a backlog of its own (nobody accepts on its socket): no room anywhere.
  request(t, other.port);
  await waitFor(() => native().acceptQueueLength(other.fd) === 1, 5000, 'a connection queued on slot 2');
  native().watchStalls(monitor, [
    { slot: 1, fds: [fd] },
    { slot: 2, fds: [other.fd] },
  ]);
  await block(worker, 2500);
  const waiting = request(t, port);
  await sleep(300);
  assert.equal(changes.length, 0, `a stall nothing can be done about is not reported: ${JSON.stringify(changes)}`);
  // Slot 2's backlog is gone: now the stall is reported, with how long the loop has not come round.
  for (const conn of native().acceptQueued(other.fd, 10)) native().closeFd(conn);
  await waitFor(() => changes.some((c) => c.state === 'stalled'), 2000, 'the stall reported once there is room');
  assert.equal(changes[0]!.slot, 1);
  assert.ok(changes[0]!.sinceTurnMs >= 250, `its loop last came round ${changes[0]!.sinceTurnMs} ms before`);
  await waitFor(() => changes.some((c) => c.state === 'stranded'), 2000, 'stranded reports while there is room');
  // Slot 2 has a backlog again: the stranded reports stop (nobody could take the connections).
  request(t, other.port);
  await waitFor(() => native().acceptQueueLength(other.fd) === 1, 5000, 'a connection queued on slot 2 again');
  await sleep(20);
  const before = changes.length;
  await sleep(200);
  assert.equal(
    changes.length,
    before,
    `no stranded report while no slot has room: ${JSON.stringify(changes.slice(before))}`,
  );
  for (const conn of native().acceptQueued(other.fd, 10)) native().closeFd(conn);
  await waitFor(() => changes.length > before, 2000, 'stranded reports again once there is room');
  assert.equal(changes.at(-1)!.state, 'stranded');
  await waitFor(() => changes.some((c) => c.state === 'recovered'), 5000, 'a recovered report');
  await waitFor(() => waiting.closed(), 5000, 'the waiting request answered');
});

test("a stall is timed from the loop's last turn: a connection that arrives late in a block is reported at once", {
  skip: !LINUX,
}, async (t) => {
  // stallUs is 150 ms: a monitor that timed a stall from the first look that saw the connection
  // would report it 150 ms or more after the connection arrived. The loop has not come round
  // for longer than that by then, so the stall is due as soon as a second look sees it wait.
  const { cellsFd, monitor, changes } = startMonitor(t, {
    stallUs: 150_000,
    strandUs: 150_000,
  });
  const { worker, port } = await watchedWorkerWithRoom(t, cellsFd, monitor, 1);
  await block(worker, 1500);
  await sleep(400);
  const connectedAt = performance.now();
  const waiting = request(t, port);
  await waitFor(() => changes.some((c) => c.state === 'stalled'), 5000, 'a stalled report');
  const stalled = changes.find((c) => c.state === 'stalled')!;
  assert.ok(stalled.sinceTurnMs >= 400, `its loop last came round ${stalled.sinceTurnMs} ms before`);
  assert.ok(
    stalled.at - connectedAt < 100,
    `reported ${(stalled.at - connectedAt).toFixed(1)} ms after the connection was opened (${JSON.stringify(changes)})`,
  );
  await waitFor(() => waiting.closed(), 5000, 'the waiting request answered');
});

/**
 * A watched worker with looks 1 s apart while nothing waits, after its first stall (a 1.3 s
 * block seen at one of those looks) has been reported and its request answered; `alertStalls`
 * reported stalls within 30 s turn the 1 ms pace on.
 */
async function afterFirstStall(t: TestContext, alertStalls: number) {
  const { cellsFd, monitor, changes } = startMonitor(t, {
    idleLookUs: 1_000_000,
    stallUs: 5000,
    strandUs: 5000,
    alertUs: 30_000_000,
    alertStalls,
  });
  const { worker, port } = await watchedWorkerWithRoom(t, cellsFd, monitor, 1);
  await block(worker, 1300);
  const first = request(t, port);
  await waitFor(() => changes.some((c) => c.state === 'stalled'), 5000, 'the first stall reported');
  await waitFor(() => first.closed(), 5000, 'the first waiting request answered');
  return { worker, port, changes };
}

test('an app that blocks often is looked at every lookUs: a connection that arrives mid-block is seen at once', {
  skip: !LINUX,
}, async (t) => {
  // Idle looks are 1 s apart. The first stall is seen at one of them (up to 1 s after its
  // connection arrived); with alertStalls 1 that report turns the alert pace on, so the
  // connection that arrives during each of the next two blocks is seen within milliseconds.
  // Without the alert neither would be seen at all: the thread looks when a block ends (the
  // worker wakes it), and next a second later, after the next 600 ms block has ended.
  const { worker, port, changes } = await afterFirstStall(t, 1);
  for (let i = 0; i < 2; i++) {
    const before = changes.length;
    await block(worker, 600);
    await sleep(100);
    const connectedAt = performance.now();
    const waiting = request(t, port);
    await waitFor(() => changes.slice(before).some((c) => c.state === 'stalled'), 5000, 'the next stall reported');
    const stalled = changes.slice(before).find((c) => c.state === 'stalled')!;
    assert.ok(
      stalled.at - connectedAt < 100,
      `reported ${(stalled.at - connectedAt).toFixed(1)} ms after the connection was opened (${JSON.stringify(changes)})`,
    );
    await waitFor(() => waiting.closed(), 5000, 'the waiting request answered');
  }
});

test("without alertStalls' count of stalls the pace stays idle", { skip: !LINUX }, async (t) => {
  // alertStalls 3: after one stall the pace is still a look a second. The thread looks when the
  // first block ends (the worker wakes it) and next a second later: a 300 ms block begun right
  // after the first goes unseen.
  const { worker, port, changes } = await afterFirstStall(t, 3);
  const before = changes.length;
  await block(worker, 300);
  const waiting = request(t, port);
  await waitFor(() => waiting.closed(), 5000, 'the waiting request answered');
  assert.deepEqual(
    changes.slice(before),
    [],
    'a block between two idle looks goes unseen while the app has not stalled often enough',
  );
});

test('acceptQueued takes waiting connections off the queue with their request unread', { skip: !LINUX }, async (t) => {
  const { fd, port } = listener(t);
  // Nobody accepts on this socket: connections wait in its queue.
  const waiting = [request(t, port), request(t, port)];
  await waitFor(() => native().acceptQueueLength(fd) === 2, 5000, 'two queued connections');
  const fds = native().acceptQueued(fd, 10);
  assert.equal(fds.length, 2);
  assert.equal(native().acceptQueueLength(fd), 0);
  assert.deepEqual(native().acceptQueued(fd, 10), [], 'an empty queue gives nothing (and does not block)');
  for (const conn of fds) {
    const socket = new net.Socket({ fd: conn, readable: true, writable: true });
    t.after(() => socket.destroy());
    socket.once('data', (chunk) => {
      assert.match(chunk.toString(), /^GET \/ HTTP\/1\.1\r\n/);
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nrescued');
    });
  }
  await waitFor(() => waiting.every((w) => w.closed()), 5000, 'the rescued requests answered');
  assert.ok(waiting.every((w) => w.received().endsWith('rescued')));
});

test('a slot whose cell no worker has written is never reported, however long its queue waits', {
  skip: !LINUX,
}, async (t) => {
  const { monitor, changes } = startMonitor(t, {
    idleLookUs: 1000,
    stallUs: 5000,
    strandUs: 10_000,
  });
  const { fd, port } = listener(t);
  native().watchStalls(monitor, [{ slot: 3, fds: [fd] }]);
  request(t, port);
  await waitFor(() => native().acceptQueueLength(fd) === 1, 5000, 'a queued connection');
  await sleep(150);
  assert.equal(changes.length, 0, JSON.stringify(changes));
});

test('the monitor checks its arguments', { skip: !LINUX }, (t) => {
  const { monitor } = startMonitor(t);
  assert.throws(() => native().watchStalls(monitor, [{ slot: 1 } as never]), TypeError);
  assert.throws(() => native().watchStalls({} as never, []), TypeError);
  assert.throws(() => native().attachProgressCell(-1, 0));
  assert.throws(() => native().acceptQueueLength(-1));
  // Not integers: refused, not read as fd 0 (stdin) or truncated (napi-args.c).
  assert.throws(() => native().acceptQueueLength(Number.NaN), TypeError);
  assert.throws(() => native().acceptQueued(Number.NaN, 1), TypeError);
  assert.throws(() => native().acceptQueued(0.5, 1), TypeError);
  assert.throws(() => native().attachProgressCell(2 ** 32 + 3, 0), TypeError);
});
