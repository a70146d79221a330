import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { freePort, pidAlive, sleep, waitPidGone } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

async function status(
  port: number,
): Promise<{ workers: { id: number; pid: number; state: string; restarts: number }[] }> {
  const res = await freshFetch(`http://127.0.0.1:${port}/status`);
  return (await res.json()) as never;
}

/** The supervisor's first restart delay for a crashed slot (Backoff's initialMs in src/cluster/backoff.ts). */
const FIRST_RESTART_DELAY_MS = 100;
/** How often the supervisor pings workers and checks their silence (HEARTBEAT_INTERVAL_MS in src/cluster/supervisor.ts). */
const HEARTBEAT_INTERVAL_MS = 1000;
/** How long a worker whose primary died may drain before it exits (ORPHAN_DRAIN_MS in src/cluster/worker-main.ts). */
const ORPHAN_DRAIN_MS = 1500;

test('kill -9 of a worker under churn load: its slot is ready again within the first restart delay plus a start, failures bounded by its in-flight requests', async (t) => {
  const { volley, port, admin } = await serveFixture({ app: fixture('plain-app.mjs'), workers: 2, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  const before = await status(admin);
  const victim = before.workers.find((w) => w.id === 1)!;

  // The bound: the first restart delay plus a worker's start (spawn Node, load the app, bind,
  // report ready), which takes a few hundred ms on an idle machine and can take well over a
  // second on a loaded 2-core one, so the start gets 2.9 s. That still catches a restart that
  // waits for the heartbeat timeout (10 s by default), a first restart delay of seconds instead
  // of ~100 ms, and a restart that waits for the load to end: the load below goes on for 5 s
  // after the kill.
  const bound = FIRST_RESTART_DELAY_MS + 2900;
  const concurrency = 8;
  const load = runLoad({ port, concurrency, maxRequests: 40_000, maxMs: 6000, churn: true });
  await sleep(1000);
  const killedAt = Date.now();
  process.kill(victim.pid, 'SIGKILL');
  let readyAfter = Number.POSITIVE_INFINITY;
  // Watch past the bound, so a miss reports how long it took.
  while (Date.now() - killedAt < bound + 2000) {
    const s = await status(admin);
    const slot = s.workers.find((w) => w.id === 1);
    if (slot && slot.pid !== victim.pid && slot.state === 'ready') {
      readyAfter = Date.now() - killedAt;
      break;
    }
    await sleep(20);
  }
  const result = await load;
  t.diagnostic(`slot 1 ready again ${readyAfter} ms after the kill (bound ${bound} ms)`);
  assert.ok(readyAfter < bound, `slot 1 took ${readyAfter} ms to be ready again (bound ${bound} ms)`);
  // A worker can have at most `concurrency` requests in flight (one per client loop).
  assert.ok(result.failed <= concurrency, `${result.failed} failed requests: ${result.errors.join('; ')}`);
  assert.ok(result.ok > 100, `only ${result.ok} requests succeeded`);
  const after = await status(admin);
  assert.equal(after.workers.find((w) => w.id === 1)!.restarts, 1);
  assert.match(volley.output, new RegExp(`worker 1 \\(pid ${victim.pid}\\) died \\(signal SIGKILL\\)`));
});

test('a worker busy-looping is replaced within the heartbeat timeout plus a check interval, then new connections are served', async (t) => {
  const heartbeat = 2000;
  const { volley, port, admin } = await serveFixture({
    workers: 1,
    admin: true,
    args: ['--heartbeat-timeout', String(heartbeat)],
  });
  t.after(() => volley.dispose());
  await volley.ready();
  const hung = (await status(admin)).workers[0]!;
  const res = await freshFetch(`http://127.0.0.1:${port}/busy?ms=30000`);
  assert.equal(await res.text(), 'busy');
  const hungAt = Date.now();
  // The last pong can be up to one check interval older than the hang, and the silence is
  // noticed at the next check after it passes the timeout: heartbeat + one interval at most on
  // an idle machine. The 1.5 s margin is for a late timer and the log line's trip through the
  // pipe on a loaded machine. The bound (4.5 s here) still catches a supervisor that ignores
  // --heartbeat-timeout (10 s by default) or checks only every few seconds.
  const bound = heartbeat + HEARTBEAT_INTERVAL_MS + 1500;
  await volley.waitFor(/has not answered for \d+ ms/, bound + 3000);
  const replacedAfter = Date.now() - hungAt;
  t.diagnostic(`replaced ${replacedAfter} ms after the hang (bound ${bound} ms)`);
  assert.ok(replacedAfter <= bound, `replaced after ${replacedAfter} ms (bound ${bound} ms)`);
  assert.ok(await waitPidGone(hung.pid, 2000), 'the hung worker must be killed');
  const served = await freshFetch(`http://127.0.0.1:${port}/whoami`, { signal: AbortSignal.timeout(5000) });
  const body = (await served.json()) as { pid: number };
  assert.notEqual(body.pid, hung.pid);
});

test('kill -9 of the primary: the workers are gone within their orphan drain time plus a margin', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '2', '--listen', `127.0.0.1:${port}`]);
  t.after(() => volley.dispose());
  await volley.ready();
  const workers = [...volley.workerPids];
  assert.equal(workers.length, 2);
  for (const pid of workers) assert.ok(pidAlive(pid));
  volley.signal('SIGKILL');
  await volley.exited;
  // An orphaned worker drains for at most ORPHAN_DRAIN_MS (these are idle, so less) and exits;
  // 1.5 s more is for a loaded machine. The bound still catches a worker that does not notice
  // its primary died (it would live on), or one that drains for --shutdown-timeout (30 s).
  const bound = ORPHAN_DRAIN_MS + 1500;
  const start = Date.now();
  for (const pid of workers) {
    assert.ok(
      await waitPidGone(pid, bound - (Date.now() - start)),
      `worker ${pid} outlived its primary by ${bound} ms`,
    );
  }
});
