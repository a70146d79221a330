import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OperationError } from './errors.js';
import { Supervisor } from './supervisor.js';
import { FakeSockets, FakeSpawner, LogLines } from './supervisor-fakes.js';
import { PrimaryUpgrade } from './upgrade.js';

const APP = fileURLToPath(import.meta.url);

test('an upgrade is refused, and nothing started, where the sockets cannot be handed over', async (t) => {
  const spawner = new FakeSpawner();
  const sockets = new FakeSockets(); // like node:cluster's: no handover()
  const supervisor = new Supervisor(
    { app: APP, workers: 1, logOutput: new LogLines(), readyTimeout: 1000 },
    { sockets: async () => sockets, spawnWorker: spawner.spawn, heartbeatIntervalMs: 20 },
  );
  t.after(() => supervisor.forceStop());
  await supervisor.start();
  const committed: number[] = [];
  const upgrade = new PrimaryUpgrade(supervisor, { committed: (pid) => committed.push(pid) });
  await assert.rejects(upgrade.upgrade(), (err: Error) => {
    return err instanceof OperationError && /which fake sockets cannot do/.test(err.message);
  });
  assert.deepEqual(committed, []);
  assert.equal(spawner.workers.length, 1, 'no worker replaced');
  assert.equal(supervisor.stopping, false, 'the primary keeps serving');
  // The refusal released the exclusive lock: a reload runs.
  await supervisor.reload();
});
