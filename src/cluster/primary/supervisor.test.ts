import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Backoff } from './backoff.js';
import { OperationError } from './errors.js';
import { Supervisor } from './supervisor.js';
import { FakeSockets, FakeSpawner, LogLines, until } from './supervisor-fakes.js';
import type { SupervisorOptions } from './supervisor-options.js';

// Any existing file will do as the app: fake workers never load it.
const APP = fileURLToPath(import.meta.url);

function harness(options: Partial<SupervisorOptions> = {}) {
  const spawner = new FakeSpawner();
  const sockets = new FakeSockets();
  const log = new LogLines();
  const supervisor = new Supervisor(
    { app: APP, workers: 2, logOutput: log, heartbeatTimeout: 150, readyTimeout: 1000, ...options },
    {
      sockets: async () => sockets,
      spawnWorker: spawner.spawn,
      backoff: () => new Backoff(5, 50, 30_000),
      heartbeatIntervalMs: 20,
      retireSettleMs: 5,
    },
  );
  return { supervisor, spawner, sockets, log };
}

test('start: every slot gets a ready worker, then all slots take connections', async (t) => {
  const { supervisor, spawner, sockets } = harness({ workers: 3 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  assert.equal(supervisor.ready, true);
  assert.deepEqual(
    spawner.workers.map((w) => [w.slot, w.generation]),
    [
      [1, 1],
      [2, 1],
      [3, 1],
    ],
  );
  assert.deepEqual(sockets.steered, [1, 2, 3]);
  assert.deepEqual(
    supervisor.status().workers.map((w) => w.state),
    ['ready', 'ready', 'ready'],
  );
});

test('start: a worker that fails to start fails start() and stops the others', async (t) => {
  const { supervisor, spawner, sockets } = harness();
  t.after(() => supervisor.forceStop());
  spawner.plan = (r) => (r.slot === 2 ? 'fail' : 'ready');
  await assert.rejects(supervisor.start(), /a worker failed to start: app of slot 2 failed to load/);
  await until(() => spawner.workers.every((w) => !w.alive), 'every worker gone');
  assert.equal(sockets.closedAll, true);
});

test('crash: the slot keeps its share while its successor starts after the backoff delay', async (t) => {
  const { supervisor, spawner, sockets, log } = harness();
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const [first] = spawner.ofSlot(1);
  first!.crash(3);
  await until(() => spawner.ofSlot(1).length === 2, 'a successor for slot 1');
  assert.deepEqual(sockets.steered, [1, 2], 'a crashed slot is not steered away from');
  await until(() => supervisor.ready, 'ready again');
  const status = supervisor.status().workers[0]!;
  assert.equal(status.restarts, 1);
  assert.equal(status.pid, spawner.ofSlot(1)[1]!.pid);
  assert.ok(log.has(/worker 1 \(pid \d+\) died \(exit code 3\); restarting in 5 ms/), log.lines.join('\n'));
});

test('crash loop: a successor that fails to start is restarted with a growing delay', async (t) => {
  const { supervisor, spawner, log } = harness({ workers: 1 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  spawner.plan = () => 'fail';
  spawner.workers[0]!.crash();
  await until(() => spawner.workers.length >= 4, 'three restarts');
  const delays = log.lines.flatMap((l) => /restarting in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
  assert.deepEqual(delays.slice(0, 3), [5, 10, 20]);
  spawner.plan = () => 'ready';
  await until(() => supervisor.ready, 'ready once the app loads again');
});

test('hung: a worker that stops answering heartbeats is replaced and killed', async (t) => {
  const { supervisor, spawner, log } = harness({ workers: 1, heartbeatTimeout: 100 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const hung = spawner.workers[0]!;
  hung.hung = true;
  await until(() => spawner.workers.length === 2, 'a successor', 2000);
  await until(() => !hung.alive, 'the hung worker killed');
  assert.equal(hung.exit?.signal, 'SIGKILL');
  await until(() => supervisor.ready, 'ready with the successor');
  assert.equal(supervisor.status().workers[0]!.pid, spawner.workers[1]!.pid);
  assert.equal(supervisor.status().workers[0]!.restarts, 1);
  assert.ok(log.has(/has not answered for \d+ ms \(--heartbeat-timeout 100\)/));
  assert.ok(!log.has(/restarting in/), 'a replaced hung worker is not restarted as a crash');
});

test('reload: each slot gets a new generation; the old worker drains only once its successor is ready', async (t) => {
  const { supervisor, spawner } = harness();
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const [old1, old2] = spawner.workers;
  let readyAt: number[] = [];
  spawner.plan = () => 'never-ready';
  const reload = supervisor.reload();
  await until(() => spawner.workers.length === 3, 'the first successor');
  assert.equal(old1!.state, 'ready', 'the old worker keeps serving while its successor starts');
  assert.equal(supervisor.ready, true, 'readiness stays 200 during a reload');
  readyAt = [Date.now()];
  spawner.workers[2]!.becomeReady();
  await until(() => spawner.workers.length === 4, 'the second successor');
  assert.equal(old1!.state, 'draining');
  assert.ok(old1!.drainedAt! >= readyAt[0]!);
  assert.equal(old2!.state, 'ready');
  spawner.workers[3]!.becomeReady();
  await reload;
  assert.deepEqual(
    supervisor.status().workers.map((w) => [w.id, w.generation]),
    [
      [1, 2],
      [2, 2],
    ],
  );
  await until(() => !old1!.alive && !old2!.alive, 'old workers gone');
});

test('failed reload: the old workers keep serving, readiness stays, and nothing is restarted as a crash', async (t) => {
  const { supervisor, spawner, log } = harness();
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const [, old2] = spawner.workers;
  // Slot 1 reloads fine, slot 2's successor fails to load (e.g. `export default 42`).
  spawner.plan = (r) => (r.slot === 2 ? 'fail' : 'ready');
  await assert.rejects(supervisor.reload(), (err: unknown) => {
    assert.ok(err instanceof OperationError);
    assert.match(err.message, /reload failed at worker 2: app of slot 2 failed to load/);
    return true;
  });
  const failed = spawner.workers[3]!;
  await until(() => !failed.alive, 'the failed successor gone');
  // Give a wrongly scheduled crash restart (backoff 5 ms) time to show itself.
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(spawner.workers.length, 4, 'the failed successor was not restarted');
  assert.ok(!log.has(/restarting in/), log.lines.join('\n'));
  assert.equal(supervisor.ready, true);
  assert.equal(supervisor.healthy, true);
  const [slot1, slot2] = supervisor.status().workers;
  assert.equal(slot1!.generation, 2);
  assert.equal(slot2!.pid, old2!.pid, 'slot 2 keeps its serving worker');
  assert.equal(slot2!.generation, 1);
  assert.equal(slot2!.state, 'ready');
  assert.equal(slot2!.lastFailure?.pid, failed.pid);
  assert.equal(slot2!.lastFailure?.generation, 2);
  assert.match(slot2!.lastFailure?.error ?? '', /failed to load/);

  // The next reload takes a new generation number: 2 is already served by slot 1.
  spawner.plan = () => 'ready';
  await supervisor.reload();
  assert.deepEqual(
    supervisor.status().workers.map((w) => [w.generation, w.lastFailure]),
    [
      [3, undefined],
      [3, undefined],
    ],
  );
});

test('the serving worker crashing while its successor starts: the successor takes the slot', async (t) => {
  const { supervisor, spawner, log } = harness({ workers: 1 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  spawner.plan = () => 'never-ready';
  const reload = supervisor.reload();
  await until(() => spawner.workers.length === 2, 'a successor');
  spawner.workers[0]!.crash();
  await until(() => log.has(/its successor is starting/), 'the crash seen');
  spawner.workers[1]!.becomeReady();
  await reload;
  assert.equal(spawner.workers.length, 2, 'no extra restart');
  assert.equal(supervisor.status().workers[0]!.pid, spawner.workers[1]!.pid);
  assert.equal(supervisor.ready, true);
});

test('recycle: past --max-requests a worker is replaced gracefully', async (t) => {
  const { supervisor, spawner, log } = harness({ workers: 1, maxRequests: 100 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const first = spawner.workers[0]!;
  first.requests = 100;
  await until(() => spawner.workers.length === 2, 'a successor');
  await until(() => first.state === 'draining', 'the old worker draining');
  assert.ok(
    log.has(/recycling worker 1 \(pid \d+\): it reached --max-requests 100 \(100 requests served at this heartbeat\)/),
  );
  await until(() => supervisor.ready, 'ready');
  assert.equal(supervisor.status().workers[0]!.generation, 1, 'a recycle keeps the generation');
});

test('recycle: past --max-memory, and a failed recycle keeps the old worker', async (t) => {
  const { supervisor, spawner, log } = harness({ workers: 1, maxMemoryMb: 1 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  spawner.plan = () => 'fail';
  const first = spawner.workers[0]!;
  first.rssBytes = 2 * 1024 * 1024;
  await until(() => log.has(/recycling worker 1 failed/), 'the recycle failing');
  assert.equal(first.state, 'ready');
  assert.equal(supervisor.status().workers[0]!.pid, first.pid);
});

test('scale up: a new slot takes connections only once its worker is ready', async (t) => {
  const { supervisor, spawner, sockets } = harness({ workers: 1 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  spawner.plan = () => 'never-ready';
  const scaling = supervisor.scale(2);
  await until(() => spawner.workers.length === 2, 'the new worker');
  assert.ok(sockets.open_.has(2));
  assert.deepEqual(sockets.steered, [1]);
  spawner.workers[1]!.becomeReady();
  await scaling;
  assert.deepEqual(sockets.steered, [1, 2]);
  assert.equal(supervisor.ready, true);
  assert.equal(supervisor.desiredWorkers, 2);
});

test('scale down: the retired slot is steered away from before it drains, its socket closed after', async (t) => {
  const { supervisor, spawner, sockets } = harness({ workers: 3 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const retired = spawner.ofSlot(3)[0]!;
  await supervisor.scale(2);
  const steerAway = sockets.events.indexOf('steer 1,2');
  const close = sockets.events.indexOf('close 3');
  assert.ok(steerAway >= 0 && close > steerAway, sockets.events.join(' | '));
  assert.equal(retired.alive, false);
  assert.equal(retired.exit?.code, 0, 'drained, not killed');
  assert.deepEqual(
    supervisor.status().workers.map((w) => w.id),
    [1, 2],
  );
  assert.equal(supervisor.ready, true);
});

test('scale: a bad count is refused', async (t) => {
  const { supervisor } = harness({ workers: 1 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  await assert.rejects(supervisor.scale(0), OperationError);
  await assert.rejects(supervisor.scale(1.5), OperationError);
});

test('stop: readiness turns false at once, every worker drains, sockets close, done resolves 0', async (t) => {
  const { supervisor, spawner, sockets } = harness();
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const stopping = supervisor.stop('test');
  assert.equal(supervisor.ready, false);
  assert.equal(await stopping, 0);
  assert.equal(await supervisor.done, 0);
  assert.ok(spawner.workers.every((w) => w.exit?.code === 0));
  assert.equal(sockets.closedAll, true);
  await assert.rejects(supervisor.reload(), /stopping/);
});

test('stop waits for workers still draining from a reload', async (t) => {
  const { supervisor, spawner } = harness({ workers: 1 });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const old = spawner.workers[0]!;
  // The old worker takes its time to drain.
  old.drain = () => {
    old.state = 'draining';
  };
  await supervisor.reload();
  assert.equal(old.state, 'draining');
  const stopped = supervisor.stop();
  let done = false;
  void stopped.then(() => {
    done = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, 'stop() must wait for the draining worker');
  old.crash(0);
  assert.equal(await stopped, 0);
});

test('broadcasts are relayed to every worker, with the sender slot', async (t) => {
  const { supervisor, spawner } = harness();
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const [a, b] = spawner.workers;
  a!.onMessage!(a!, { volley: 'broadcast', channel: 'c', payload: { n: 1 } });
  for (const w of [a!, b!]) {
    assert.deepEqual(
      w.sent.find((m) => m.volley === 'broadcast'),
      { volley: 'broadcast', channel: 'c', payload: { n: 1 }, from: 1 },
    );
  }
});

test('rpc: a hosted service answers, an unknown one is an error reply', async (t) => {
  const { supervisor, spawner } = harness({ workers: 1, services: { echo: (op, args, w) => ({ op, args, w }) } });
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const w = spawner.workers[0]!;
  w.onMessage!(w, { volley: 'rpc', id: 1, service: 'echo', op: 'x', args: [1] });
  w.onMessage!(w, { volley: 'rpc', id: 2, service: 'nope', op: 'x', args: [] });
  await until(() => w.sent.filter((m) => m.volley === 'rpc-reply').length === 2, 'two replies');
  const replies = w.sent.filter((m) => m.volley === 'rpc-reply');
  assert.deepEqual(
    replies.find((r) => r.id === 1),
    {
      volley: 'rpc-reply',
      id: 1,
      ok: true,
      value: { op: 'x', args: [1], w: 1 },
    },
  );
  assert.deepEqual(
    replies.find((r) => r.id === 2),
    {
      volley: 'rpc-reply',
      id: 2,
      ok: false,
      error: "the primary hosts no service 'nope'",
    },
  );
});

test('exclusive (an upgrade): refused during a reload; reload and scale refused while it runs; lifecycle events', async (t) => {
  const { supervisor, spawner } = harness();
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const events: string[] = [];
  supervisor.lifecycle.on('reloading', () => events.push('reloading'));
  supervisor.lifecycle.on('reloaded', (ok) => events.push(`reloaded ${ok}`));
  supervisor.lifecycle.on('stopping', (reason) => events.push(`stopping ${reason}`));
  spawner.plan = () => 'never-ready';
  const reload = supervisor.reload();
  await until(() => spawner.workers.length === 3, 'the first successor');
  await assert.rejects(
    supervisor.exclusive('an upgrade', async () => 'ran'),
    (err: Error) =>
      err instanceof OperationError && /while a rolling reload, scale or recycle is in progress/.test(err.message),
  );
  spawner.workers[2]!.becomeReady();
  await until(() => spawner.workers.length === 4, 'the second successor');
  spawner.workers[3]!.becomeReady();
  await reload;
  let release!: () => void;
  const upgrade = supervisor.exclusive('an upgrade', () => new Promise<string>((r) => (release = () => r('done'))));
  await assert.rejects(supervisor.reload(), /cannot reload while an upgrade is in progress/);
  await assert.rejects(supervisor.scale(3), /cannot scale while an upgrade is in progress/);
  await assert.rejects(
    supervisor.exclusive('an upgrade', async () => 1),
    /an upgrade is already in progress/,
  );
  release();
  assert.equal(await upgrade, 'done');
  await supervisor.stop('test', 0);
  assert.deepEqual(events, ['reloading', 'reloaded true', 'stopping test']);
});
