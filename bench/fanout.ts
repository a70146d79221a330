/**
 * Section fanout (issue 8): delivery latency of the chat example's bus fan-out under
 * `volley serve examples/chat.ts --workers 2`. 1,000 WebSocket clients in one room, each on a
 * fresh TCP connection (so SO_REUSEPORT spreads them over both workers; the spread is reported
 * from each worker's hello), one publisher socket sending 100 messages a second for 10 s with
 * `sentAt` = the publisher's monotonic clock, and every client recording receive time − sentAt.
 * Transports: the primary relay (the default under `volley serve`) and Redis pub/sub (a
 * `redis-server` started here on loopback, `VOLLEY_REDIS_URL` set for the serve process).
 *
 * The receiving clients are bench/tools/ws-fanout-client.c (built with the system compiler): in
 * Node they cost as much CPU per delivered frame as the server spent sending it, on the same two
 * CPUs, so the benchmark mostly measured itself. With `procs` > 1 they are split over several
 * receiver processes; the publisher is a `ws` client in a Node child (bench/fanout-client.ts).
 * All of them read the same CLOCK_MONOTONIC. Rounds alternate the two transports (rotated
 * order), each round on a freshly started server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Command, Reply } from './fanout-client.js';
import { type Config, freePort, log, rotated } from './lib/config.js';
import { cpuWindowEnd, cpuWindowStart, ticksPerSecond } from './lib/cpu.js';
import { adopt, type Started, start, stop } from './lib/procs.js';
import { fixed, int, markdownTable, median, pct, sum } from './lib/stats.js';
import { buildReceiver, Receivers } from './lib/ws-receivers.js';

export const TRANSPORTS = ['primary relay', 'Redis'] as const;
type Transport = (typeof TRANSPORTS)[number];

export interface FanoutOptions {
  clients: number;
  /** Messages per second from the one publisher. */
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Receiver processes the clients are split over. */
  procs: number;
  /** Microseconds the receivers pause between batches of ready sockets (bench/tools/ws-fanout-client.c). */
  pollUs: number;
  rounds: number;
}

export interface FanoutRun {
  transport: Transport;
  round: number;
  /** Clients per worker id, from each worker's hello. */
  spread: Record<string, number>;
  connectFailed: number;
  sent: number;
  lateSends: number;
  expected: number;
  delivered: number;
  duplicates: number;
  closes: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** CPU use (share of one CPU) during the measured window. */
  cpu: { primary: number; workers: number[]; redis?: number; clients: number[]; publisher: number };
  otherShare: number;
  /** Supervisor events after all workers were ready (a worker replaced, exited). */
  events: string[];
}

export interface FanoutResults {
  command: string;
  options: FanoutOptions;
  redis: string;
  runs: FanoutRun[];
}

const WORKERS = 2;
const ROOM = 'bench';
const here = fileURLToPath(new URL('.', import.meta.url));

export function fanoutOptions(cfg: Config, procs: number, clients = 1000, pollUs = 250): FanoutOptions {
  return {
    clients,
    pollUs,
    rate: 100,
    seconds: cfg.quick ? 5 : 10,
    warmupSeconds: cfg.quick ? 1 : 2,
    procs,
    rounds: cfg.rounds,
  };
}

function serveArgs(port: number): string[] {
  return [
    'bin/volley.js',
    'serve',
    'examples/chat.ts',
    '--workers',
    String(WORKERS),
    '--listen',
    `127.0.0.1:${port}`,
    '--shutdown-timeout',
    '2000',
  ];
}

/** The publisher child over IPC (not started through procs.start, which has no IPC channel: adopted instead). */
class Publisher {
  readonly child: ChildProcess;
  readonly pid: number;
  #waiting: { type: Reply['type']; resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  #stderr = '';

  constructor() {
    this.child = spawn(process.execPath, [`${here}fanout-client.js`], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    if (this.child.pid === undefined) throw new Error('could not start a fan-out client');
    this.pid = this.child.pid;
    adopt(this.pid);
    this.child.stderr?.on('data', (c: Buffer) => {
      this.#stderr = (this.#stderr + c.toString()).slice(-5000);
    });
    this.child.on('message', (r: Reply) => {
      if (r.type === 'error') {
        for (const w of this.#waiting.splice(0)) w.reject(new Error(`fan-out client ${this.pid}: ${r.message}`));
        return;
      }
      const i = this.#waiting.findIndex((w) => w.type === r.type);
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve(r);
    });
    this.child.once('exit', (code, signal) => {
      for (const w of this.#waiting.splice(0)) {
        w.reject(new Error(`fan-out client ${this.pid} exited (${code ?? signal}): ${this.#stderr}`));
      }
    });
  }

  ask<T extends Reply['type']>(c: Command, type: T, timeoutMs: number): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fan-out client ${this.pid}: no ${type} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiting.push({
        type,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as Extract<Reply, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send(c);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      this.child.send({ cmd: 'close' } satisfies Command);
    }
    await stop(this.pid, 2000);
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function startRedis(): Promise<{ proc: Started; url: string }> {
  const port = await freePort();
  const proc = start('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  await proc.waitFor(/Ready to accept connections/, 10_000);
  return { proc, url: `redis://127.0.0.1:${port}` };
}

async function oneRun(
  o: FanoutOptions,
  transport: Transport,
  round: number,
  cpus: number,
  receiverBinary: string,
): Promise<FanoutRun> {
  let redis: { proc: Started; url: string } | undefined;
  let serve: Started | undefined;
  const workerPids: number[] = [];
  const clients: Receivers[] = [];
  let publisher: Publisher | undefined;
  try {
    if (transport === 'Redis') redis = await startRedis();
    const port = await freePort();
    serve = start(process.execPath, serveArgs(port), redis ? { VOLLEY_REDIS_URL: redis.url } : {});
    const served = serve;
    // Adopt each worker as it starts, so it is stopped even if the primary dies first.
    const onData = () => {
      for (const m of served.output().matchAll(/worker \d+ started \(pid (\d+)/g)) {
        const pid = Number(m[1]);
        if (!workerPids.includes(pid)) {
          workerPids.push(pid);
          adopt(pid);
        }
      }
    };
    served.child.stdout?.on('data', onData);
    served.child.stderr?.on('data', onData);
    await served.waitFor(/all \d+ worker\(s\) ready/, 30_000);
    onData();
    const readyAt = served.output().length;
    const url = `ws://127.0.0.1:${port}/rooms/${ROOM}/ws`;

    for (let i = 0; i < o.procs; i++) clients.push(new Receivers(receiverBinary, o.pollUs));
    const shares = clients.map((_, i) => Math.floor(o.clients / o.procs) + (i < o.clients % o.procs ? 1 : 0));
    const connected = await Promise.all(clients.map((c, i) => c.connect(url, shares[i]!, 25)));
    const spread: Record<string, number> = {};
    for (const c of connected) for (const [w, n] of Object.entries(c.workers)) spread[w] = (spread[w] ?? 0) + n;
    const connectFailed = sum(connected.map((c) => c.failed));
    publisher = new Publisher();

    // Warm-up (not recorded): JIT the relay, the workers' send path and the clients.
    await publisher.ask(
      { cmd: 'publish', url, run: `warm${round}`, rate: o.rate, seconds: o.warmupSeconds },
      'published',
      (o.warmupSeconds + 30) * 1000,
    );
    await sleep(1000);

    const runId = `r${round}${transport === 'Redis' ? 'R' : 'P'}`;
    await Promise.all(clients.map((c) => c.record(runId)));
    const pids = [
      served.pid,
      ...workerPids,
      ...clients.map((c) => c.pid),
      publisher.pid,
      ...(redis ? [redis.proc.pid] : []),
    ];
    const window = cpuWindowStart(pids);
    const t0 = process.hrtime.bigint();
    const pub = await publisher.ask(
      { cmd: 'publish', url, run: runId, rate: o.rate, seconds: o.seconds },
      'published',
      (o.seconds + 30) * 1000,
    );
    // Wait for the backlog: until no client received anything for 0.5 s (at most 30 s more);
    // what has not arrived by then counts as not delivered.
    const expected = pub.sent * (o.clients - connectFailed);
    let last = -1;
    for (let waited = 0; waited < 30_000; waited += 500) {
      await sleep(500);
      const got = sum(await Promise.all(clients.map((c) => c.count())));
      if (got >= expected) break;
      if (got === last && waited >= 1000) break;
      last = got;
    }
    const usage = cpuWindowEnd(window, cpus);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const share = (pid: number) => usage.perPid.get(pid)! / ticksPerSecond() / secs;
    const collected = await Promise.all(clients.map((c) => c.collect()));

    const n = sum(collected.map((c) => c.latencies.length));
    const all = new Float64Array(n);
    let k = 0;
    for (const c of collected) {
      all.set(c.latencies, k);
      k += c.latencies.length;
    }
    all.sort();
    const run: FanoutRun = {
      transport,
      round,
      spread,
      connectFailed,
      sent: pub.sent,
      lateSends: pub.lateSends,
      expected,
      delivered: n,
      duplicates: sum(collected.map((c) => c.duplicates)),
      closes: sum(collected.map((c) => c.closes)),
      p50: percentile(all, 50),
      p90: percentile(all, 90),
      p99: percentile(all, 99),
      p999: percentile(all, 99.9),
      max: n ? all[n - 1]! : Number.NaN,
      mean: n ? sum(Array.from(all)) / n : Number.NaN,
      cpu: {
        primary: share(served.pid),
        workers: workerPids.map(share),
        ...(redis ? { redis: share(redis.proc.pid) } : {}),
        clients: clients.map((c) => share(c.pid)),
        publisher: share(publisher.pid),
      },
      otherShare: usage.otherShare,
      events: served
        .output()
        .slice(readyAt)
        .split('\n')
        .filter((l) => /has not answered|exited|started \(pid/.test(l))
        .map((l) => l.replace(/^\S+ \[primary \d+\] /, '')),
    };
    for (const e of run.events) log(`    serve: ${e}`);
    log(
      `  round ${round + 1} ${transport}: spread ${JSON.stringify(spread)}, delivered ${int(run.delivered)}/${int(run.expected)}, ` +
        `p50 ${fixed(run.p50)} ms, p99 ${fixed(run.p99)} ms, max ${fixed(run.max)} ms; ` +
        `CPU workers ${run.cpu.workers.map((x) => pct(x, 0)).join('/')}, clients ${run.cpu.clients.map((x) => pct(x, 0)).join('/')}` +
        `${run.cpu.redis !== undefined ? `, redis ${pct(run.cpu.redis, 0)}` : ''}`,
    );
    return run;
  } finally {
    await Promise.all([...clients.map((c) => c.close()), publisher?.close()]);
    if (serve) await stop(serve.pid, 6000);
    await Promise.all(workerPids.map((pid) => stop(pid, 1000)));
    if (redis) await stop(redis.proc.pid);
  }
}

export function checkRedis(): string {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server is required for --only fanout (apt install redis-server)');
  }
}

export async function runFanout(cfg: Config, procs: number, clients = 1000, pollUs = 250): Promise<FanoutResults> {
  const o = fanoutOptions(cfg, procs, clients, pollUs);
  const out: FanoutResults = {
    command: `node ${serveArgs(0).join(' ').replace('127.0.0.1:0', '127.0.0.1:PORT')}`,
    options: o,
    redis: checkRedis(),
    runs: [],
  };
  log(
    `\n[fanout] ${o.clients} WebSocket clients over ${WORKERS} workers (in ${o.procs} client process(es)), ` +
      `${o.rate} msg/s for ${o.seconds} s, ${o.rounds} rounds`,
  );
  const receiverBinary = buildReceiver();
  for (let r = 0; r < o.rounds; r++) {
    for (const t of rotated(TRANSPORTS, r)) out.runs.push(await oneRun(o, t, r, cfg.cpus, receiverBinary));
  }
  return out;
}

export function fanoutTarget(res: FanoutResults): { p99: number; met: boolean } {
  const p99 = median(res.runs.filter((r) => r.transport === 'primary relay').map((r) => r.p99));
  return { p99, met: p99 < 20 };
}

export function fanoutMarkdown(res: FanoutResults): string {
  const o = res.options;
  const rows = TRANSPORTS.filter((t) => res.runs.some((r) => r.transport === t)).map((t) => {
    const runs = res.runs.filter((r) => r.transport === t);
    const m = (f: (r: FanoutRun) => number) => median(runs.map(f));
    const range = (f: (r: FanoutRun) => number, d = 1) =>
      `${fixed(m(f), d)} (${fixed(Math.min(...runs.map(f)), d)}–${fixed(Math.max(...runs.map(f)), d)})`;
    const delivered = sum(runs.map((r) => r.delivered));
    const expected = sum(runs.map((r) => r.expected));
    const spread = runs
      .map((r) =>
        Object.keys(r.spread)
          .sort()
          .map((w) => r.spread[w])
          .join('/'),
      )
      .join(', ');
    return [
      t,
      range((r) => r.p50, 2),
      range((r) => r.p99),
      range((r) => r.max),
      `${int(delivered)} / ${int(expected)}`,
      spread,
      runs.map((r) => r.cpu.workers.map((x) => (Number.isFinite(x) ? pct(x, 0) : '—')).join('+')).join(', '),
      pct(
        m((r) => sum(r.cpu.clients) / r.cpu.clients.length),
        0,
      ),
      runs.map((r) => (Number.isFinite(r.otherShare) ? pct(r.otherShare, 0) : '?')).join(', '),
      t === 'Redis'
        ? pct(
            m((r) => r.cpu.redis ?? Number.NaN),
            1,
          )
        : pct(
            m((r) => r.cpu.primary),
            1,
          ),
    ];
  });
  const table = markdownTable(
    [
      'transport',
      'p50 ms (min–max)',
      'p99 ms (min–max)',
      'max ms (min–max)',
      'delivered / expected',
      'clients per worker (each round)',
      'worker CPU (each round)',
      'receiver proc CPU',
      'other load (each round)',
      'relay CPU (primary / redis)',
    ],
    rows,
  );
  const noise = res.runs.map((r) => r.otherShare).filter(Number.isFinite);
  const events = res.runs.flatMap((r) => (r.events ?? []).map((e) => `- round ${r.round + 1}, ${r.transport}: ${e}`));
  const late = sum(res.runs.map((r) => r.lateSends));
  const extra = sum(res.runs.map((r) => r.duplicates + r.closes + r.connectFailed));
  const t = fanoutTarget(res);
  return [
    table,
    `Medians over ${o.rounds} rounds (min–max over rounds in brackets); each round's percentiles are over every delivery ` +
      `of that round (${int(o.clients)} clients × ${int(o.rate * o.seconds)} messages). After the last send the harness waits ` +
      'until deliveries stop (0.5 s without any, at most 30 s); what had not arrived by then counts as not delivered. ' +
      `Publisher sends that were late by a whole interval: ${late}; duplicates, unexpected closes and failed connects: ${extra}.`,
    `Other processes on the machine used a median ${pct(median(noise))} (max ${pct(Math.max(...noise))}) of its total CPU ` +
      'during the measured windows (from /proc/stat, minus the serve processes, redis, the client processes and the harness).',
    ...(events.length
      ? [
          `Supervisor events during the measurements (“—” in worker CPU: a worker replaced during the window, and its successor):\n\n${events.join('\n')}`,
        ]
      : []),
    `Target (issue 8): primary-relay p99 < 20 ms — **${fixed(t.p99)} ms**: ${t.met ? 'met' : 'NOT met'}.`,
  ].join('\n\n');
}
