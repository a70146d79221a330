/**
 * Load-aware steering as the supervisor runs it: fake workers, fake sockets and a stall
 * monitor the test drives. The real monitor is proven in test/native/stall-monitor.test.ts and
 * the whole path (a blocked worker, fresh connections answered by the other) in
 * test/cluster/steering.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Backoff } from '../backoff.js';
import { Supervisor } from '../supervisor.js';
import {
  FakeSockets,
  FakeSpawner,
  FakeStallMonitor,
  FakeWatchedSockets,
  LogLines,
  until,
} from '../supervisor-fakes.js';
import type { SupervisorOptions } from '../supervisor-options.js';
import type { SteeringMode } from './load-steering.js';
import { SlotSteering } from './slot-steering.js';

const APP = fileURLToPath(import.meta.url);

function harness(steering: SteeringMode, options: Partial<SupervisorOptions> = {}) {
  const spawner = new FakeSpawner();
  const sockets = new FakeWatchedSockets();
  const monitor = new FakeStallMonitor();
  const log = new LogLines();
  /** What the fake accept queue of each fd holds: the rescue takes from here. */
  const queues = new Map<number, number[]>();
  const supervisor = new Supervisor(
    { app: APP, workers: 3, logOutput: log, heartbeatTimeout: 5000, readyTimeout: 1000, steering, ...options },
    {
      sockets: async () => sockets,
      spawnWorker: spawner.spawn,
      backoff: () => new Backoff(5, 50, 30_000),
      heartbeatIntervalMs: 20,
      retireSettleMs: 5,
      steering: {
        monitor: monitor.start,
        acceptQueued: (fd, max) => (queues.get(fd) ?? []).splice(0, max),
        queueLength: (fd) => (queues.get(fd) ?? []).length,
        holdMs: 0,
      },
    },
  );
  return { supervisor, spawner, sockets, monitor, log, queues };
}

test('a stalled worker is steered away from and back once it recovers; status() shows it', async (t) => {
  const { supervisor, sockets, monitor } = harness('queue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  assert.deepEqual(sockets.steered, [1, 2, 3]);
  assert.deepEqual(
    monitor.watched,
    [1, 2, 3].map((slot) => ({ slot, fds: [100 + slot] })),
  );

  monitor.report(2, 'stalled');
  assert.deepEqual(sockets.steered, [1, 3]);
  const status = supervisor.status().steering!;
  assert.equal(status.mode, 'queue');
  assert.deepEqual(status.excluded, [2]);
  assert.equal(status.slots[2]!.exclusions, 1);

  monitor.report(2, 'recovered');
  assert.deepEqual(sockets.steered, [1, 2, 3]);
  assert.deepEqual(supervisor.status().steering!.events, { stalls: 1, exclusions: 1, inclusions: 1, rescues: 0 });
});

test('workers are told their progress cell (the monitor memfd and their slot)', async (t) => {
  const { supervisor, spawner, monitor } = harness('rescue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  assert.deepEqual(
    spawner.workers.map((w) => w.request.progress),
    [1, 2, 3].map((cell) => ({ fd: monitor.cellsFd, cell })),
  );
});

test('off: workers are given no progress cell', async (t) => {
  const { supervisor, spawner } = harness('off');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  assert.ok(spawner.workers.every((w) => w.request.progress === undefined));
});

test('rescue: connections stranded in a stalled worker queue go to the ready workers in turn, labelled', async (t) => {
  const { supervisor, spawner, monitor, queues } = harness('rescue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  queues.set(101, [7, 8, 9, 10, 11]);
  // Its loop last came round 100 ms ago: a long stall, emptied quickly.
  monitor.report(1, 'stalled', 100);
  monitor.report(3, 'stalled');
  monitor.report(1, 'stranded');
  const [w2] = spawner.ofSlot(2);
  const [w3] = spawner.ofSlot(3);
  // Slot 3 is stalled too: everything goes to slot 2.
  assert.deepEqual(
    w2!.connections,
    [7, 8, 9, 10, 11].map((fd) => ['127.0.0.1:1', fd]),
  );
  assert.deepEqual(w3!.connections, []);
  assert.equal(supervisor.status().steering!.slots[1]!.rescued, 5);

  monitor.report(3, 'recovered');
  queues.set(101, [20, 21]);
  monitor.report(1, 'stranded');
  const got = [...w2!.connections.slice(5), ...w3!.connections].map(([, fd]) => fd).sort();
  assert.deepEqual(got, [20, 21]);
  assert.equal(w3!.connections.length, 1, 'in turn over the two ready workers');
});

test('rescue: only workers with at most 2 connections queued take rescued connections, 8 each at most; the rest wait for the next report', async (t) => {
  const { supervisor, spawner, monitor, queues } = harness('rescue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  queues.set(
    101,
    Array.from({ length: 20 }, (_, i) => 200 + i),
  );
  queues.set(102, [997, 998]); // slot 2 has two of its own waiting: it keeps up, room
  queues.set(103, [999, 1000, 1001]); // slot 3 has three: no room
  monitor.report(1, 'stalled', 100);
  monitor.report(1, 'stranded');
  const [w2] = spawner.ofSlot(2);
  const [w3] = spawner.ofSlot(3);
  assert.equal(w2!.connections.length, 8);
  assert.equal(w3!.connections.length, 0);
  assert.equal(queues.get(101)!.length, 12);
  monitor.report(1, 'stranded');
  assert.equal(w2!.connections.length, 16);
  queues.set(103, [999, 1000]);
  monitor.report(1, 'stranded');
  assert.equal(queues.get(101)!.length, 0);
  assert.equal(w2!.connections.length + w3!.connections.length, 20);
  assert.equal(supervisor.status().steering!.slots[1]!.rescued, 20);
});

test('rescue: a short stall (a slow callback) hands over 2 connections a report to each target, a long one 8', async (t) => {
  const { supervisor, spawner, monitor, queues } = harness('rescue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  queues.set(
    101,
    Array.from({ length: 30 }, (_, i) => 300 + i),
  );
  const [w2] = spawner.ofSlot(2);
  const [w3] = spawner.ofSlot(3);
  monitor.report(1, 'stalled', 6);
  monitor.report(1, 'stranded', 6);
  assert.equal(w2!.connections.length + w3!.connections.length, 4, '2 to each of the two targets');
  // The same stall 100 ms on: it is a long one now.
  await new Promise((resolve) => setTimeout(resolve, 100));
  monitor.report(1, 'stranded');
  assert.equal(w2!.connections.length + w3!.connections.length, 4 + 16, '8 to each');
  assert.equal(queues.get(101)!.length, 10);
});

test('rescue: a worker with handed-over connections still on their way is not a target', async (t) => {
  const { supervisor, spawner, monitor, queues } = harness('rescue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const [w2] = spawner.ofSlot(2);
  const [w3] = spawner.ofSlot(3);
  w2!.connectionsInFlight = 1;
  queues.set(101, [7, 8]);
  monitor.report(1, 'stranded');
  assert.deepEqual(w2!.connections, []);
  assert.deepEqual(
    w3!.connections.map(([, fd]) => fd),
    [7, 8],
  );
});

test('queue mode never takes connections off a queue', async (t) => {
  const { supervisor, spawner, monitor, queues } = harness('queue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  queues.set(101, [7, 8]);
  monitor.report(1, 'stranded');
  assert.deepEqual(queues.get(101), [7, 8]);
  assert.ok(spawner.workers.every((w) => w.connections.length === 0));
});

test('a rolling reload with a stalled slot: the slot stays out until the monitor sees its new worker turn', async (t) => {
  const { supervisor, sockets, monitor } = harness('rescue', { workers: 2 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  monitor.report(1, 'stalled');
  assert.deepEqual(sockets.steered, [2]);
  await supervisor.reload();
  assert.equal(supervisor.ready, true);
  assert.deepEqual(
    monitor.watched.map((w) => w.slot),
    [1, 2],
  );
  // The new worker shares the slot's cell: its first loop turns are the monitor's recovery.
  assert.deepEqual(sockets.steered, [2]);
  monitor.report(1, 'recovered');
  assert.deepEqual(sockets.steered, [1, 2]);
});

test('scaling down retires a stalled slot: it leaves the watch list and the steering state with it', async (t) => {
  const { supervisor, sockets, monitor } = harness('rescue');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  monitor.report(3, 'stalled');
  assert.deepEqual(sockets.steered, [1, 2]);
  await supervisor.scale(2);
  assert.deepEqual(sockets.steered, [1, 2]);
  assert.deepEqual(
    monitor.watched.map((w) => w.slot),
    [1, 2],
  );
  assert.deepEqual(supervisor.status().steering!.excluded, []);
  // The new slot takes the retired one's id: the old stall is not held against it.
  await supervisor.scale(3);
  assert.deepEqual(sockets.steered, [1, 2, 3]);
});

test('stop() and forceStop() stop the monitor before the sockets close', async () => {
  const { supervisor, monitor, sockets } = harness('rescue');
  await supervisor.start();
  await supervisor.stop();
  assert.equal(monitor.stopped, true);
  assert.equal(sockets.closedAll, true);
});

test('off: no monitor is started and steer() gets the supervisor set as it is', async (t) => {
  const { supervisor, sockets, monitor } = harness('off');
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  assert.deepEqual(monitor.watched, []);
  monitor.report(1, 'stalled');
  assert.deepEqual(sockets.steered, [1, 2, 3]);
  assert.equal(supervisor.status().steering!.mode, 'off');
});

test('sockets that cannot be watched (node:cluster fallback) leave steering off', () => {
  const monitor = new FakeStallMonitor();
  const sockets = new FakeSockets();
  const steering = new SlotSteering('rescue', sockets, {
    workerOf: () => undefined,
    log: () => undefined,
    monitor: monitor.start,
  });
  assert.equal(steering.mode, 'off');
  assert.equal(steering.progressFor(1), undefined);
  steering.apply(new Set([1, 2]));
  assert.deepEqual(sockets.steered, [1, 2]);
});

test('a monitor that fails to start leaves steering off and says why', () => {
  const lines: string[] = [];
  const sockets = new FakeWatchedSockets();
  const steering = new SlotSteering('rescue', sockets, {
    workerOf: () => undefined,
    log: (m) => lines.push(m),
    monitor: () => {
      throw new Error('memfd_create: ENOSYS');
    },
  });
  assert.equal(steering.mode, 'off');
  assert.match(
    lines.join('\n'),
    /load-aware steering is off: the stall monitor did not start \(memfd_create: ENOSYS\)/,
  );
  steering.apply(new Set([2]));
  assert.deepEqual(sockets.steered, [2]);
});

test('a rescue whose accept fails logs it and moves nothing', async (t) => {
  const spawner = new FakeSpawner();
  const sockets = new FakeWatchedSockets();
  const monitor = new FakeStallMonitor();
  const log = new LogLines();
  const supervisor = new Supervisor(
    { app: APP, workers: 2, logOutput: log, readyTimeout: 1000, steering: 'rescue' },
    {
      sockets: async () => sockets,
      spawnWorker: spawner.spawn,
      heartbeatIntervalMs: 20,
      steering: {
        monitor: monitor.start,
        acceptQueued: () => {
          throw new Error('EBADF');
        },
        queueLength: () => 0,
      },
    },
  );
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  monitor.report(1, 'stranded');
  await until(() => log.has(/could not take connections from worker 1's queue: EBADF/), 'the log line');
  assert.equal(supervisor.status().steering!.slots[1]!.rescued, 0);
  assert.ok(spawner.workers.every((w) => w.connections.length === 0));
});
