/**
 * Section 3 (issue 4): Volley `volley serve --workers 2` against node:cluster with 2 workers
 * (raw node:http hello) and a single raw node:http process, under keep-alive and
 * connection-churn load, interleaved rounds. Besides throughput it measures each worker's
 * share of the requests and the server's CPU time per request, the primary included,
 * from /proc/<pid>/stat. Nothing is pinned: the servers' workers need both CPUs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, freePort, log, retry, rotated } from './lib/config.js';
import { cpuWindowEnd, cpuWindowStart, ticksPerSecond } from './lib/cpu.js';
import { adopt, type Started, start, stop, stopAll } from './lib/procs.js';
import { children } from './lib/runners.js';
import { entry, fixed, int, markdownTable, median, pct, ratio, sum } from './lib/stats.js';
import { errorCount, type WrkResult, wrk, wrkCommand } from './lib/wrk.js';
import { noiseNote, quietest } from './single.js';

const WORKERS = 2;
/** Volley's /status counts come with the heartbeat (every 1 s): wait this long after load. */
const STATUS_SETTLE_MS = 1600;

interface Status {
  primary: { pid: number };
  workers: { id: number; pid: number; requests: number }[];
}

interface ServerDef {
  name: string;
  /** True when per-worker counts come late (Volley's heartbeat). */
  lagging: boolean;
  command(port: number, admin: number): string[];
  ready: RegExp;
  hasAdmin: boolean;
  /** One process, no primary. */
  single?: boolean;
}

/** `volley serve` of the hello app on `port`, with the admin endpoint on `admin` unless undefined. */
function volleyServe(port: number, admin: number | undefined, extra: string[] = []): string[] {
  return [
    'bin/volley.js',
    'serve',
    'bench/servers/volley-app.mjs',
    '--workers',
    String(WORKERS),
    '--listen',
    `127.0.0.1:${port}`,
    ...(admin === undefined ? [] : ['--admin', `127.0.0.1:${admin}`]),
    '--shutdown-timeout',
    '2000',
    ...extra,
  ];
}

export const SERVERS: ServerDef[] = [
  {
    name: `Volley serve --workers ${WORKERS}`,
    lagging: true,
    hasAdmin: true,
    ready: /all \d+ worker\(s\) ready/,
    command: (port, admin) => volleyServe(port, admin),
  },
  {
    // The same with load-aware steering off (issue 19): what the stall monitor costs on a hello
    // app, whose workers never stall.
    name: `Volley serve --workers ${WORKERS} --steering off`,
    lagging: true,
    hasAdmin: true,
    ready: /all \d+ worker\(s\) ready/,
    command: (port, admin) => volleyServe(port, admin, ['--steering', 'off']),
  },
  {
    // Without --admin the workers keep no Prometheus metrics (no per-request observer); the
    // worker pids come from /proc and there are no per-worker request counts.
    name: `Volley serve --workers ${WORKERS}, no --admin`,
    lagging: false,
    hasAdmin: false,
    ready: /all \d+ worker\(s\) ready/,
    command: (port) => volleyServe(port, undefined),
  },
  {
    name: `node:cluster ${WORKERS} workers`,
    lagging: false,
    hasAdmin: true,
    ready: /listening \d+/,
    command: (port, admin) => ['bench/servers/cluster.mjs', String(port), String(admin), String(WORKERS)],
  },
  {
    name: 'node:http 1 process',
    lagging: false,
    hasAdmin: false,
    single: true,
    ready: /listening \d+/,
    command: (port) => ['bench/servers/node-http.mjs', 'hello', String(port)],
  },
];

export const LOADS = [
  { key: 'keep-alive', headers: [] as string[] },
  { key: 'churn', headers: ['Connection: close'] },
];

interface Run {
  wrk: WrkResult;
  /** Ticks used during the run by the primary and by all workers. */
  primaryTicks: number;
  workerTicks: number;
  /** Share of the machine's CPU used meanwhile by unrelated processes (noise). */
  otherShare: number;
  /** Requests each worker (by slot id) served during the run, when known. */
  perWorker?: Record<string, number>;
}

export interface MultiResults {
  wrk: string;
  clkTck: number;
  runs: Record<string, Record<string, Run[]>>;
}

interface Live {
  def: ServerDef;
  port: number;
  admin: number;
  proc: Started;
  lastLoadEnd: number;
}

async function status(s: Live): Promise<Status> {
  if (!s.def.hasAdmin) {
    // Workers from /proc (the primary's children); a lone process is its own worker.
    const pid = s.proc.pid;
    const workers = children(pid);
    const pids = workers.length ? workers : [pid];
    return { primary: { pid }, workers: pids.map((p, i) => ({ id: i + 1, pid: p, requests: Number.NaN })) };
  }
  const res = await fetch(`http://127.0.0.1:${s.admin}/status`);
  if (res.status !== 200) throw new Error(`${s.def.name}: /status ${res.status}`);
  return (await res.json()) as Status;
}

/** A status snapshot that includes every request served so far. */
async function settledStatus(s: Live): Promise<Status> {
  if (s.def.lagging) {
    const wait = s.lastLoadEnd + STATUS_SETTLE_MS - Date.now();
    if (wait > 0) await sleep(wait);
  }
  return status(s);
}

export async function runMulti(cfg: Config): Promise<MultiResults> {
  const out: MultiResults = {
    wrk: wrkCommand({ url: '', seconds: cfg.seconds, connections: cfg.connections }).join(' '),
    clkTck: ticksPerSecond(),
    runs: {},
  };
  const live: Live[] = [];
  try {
    for (const def of SERVERS) {
      const port = await freePort();
      const admin = await freePort();
      const proc = start(process.execPath, def.command(port, admin));
      const s: Live = { def, port, admin, proc, lastLoadEnd: 0 };
      live.push(s);
      await proc.waitFor(def.ready, 20_000);
      const st = await retry(() => status(s), 5000);
      for (const w of st.workers) if (w.pid !== proc.pid) adopt(w.pid);
      const res = await fetch(`http://127.0.0.1:${port}/`);
      const body = await res.text();
      if (body !== 'Hello World') throw new Error(`${def.name}: GET / answered ${res.status} ${body.slice(0, 100)}`);
      log(`[multi] ${def.name}: primary ${st.primary.pid}, workers ${st.workers.map((w) => w.pid).join(' ')}`);
    }

    const load = (s: Live, headers: string[], seconds: number) =>
      wrk({ url: `http://127.0.0.1:${s.port}/`, seconds, connections: cfg.connections, headers });

    // Pending snapshot per (server, load) whose request deltas are filled in at the next snapshot.
    const pending = new Map<Live, { run: Run; before: Status }>();
    const snapshot = async (s: Live) => {
      const st = await settledStatus(s);
      const p = pending.get(s);
      if (p && s.def.hasAdmin) {
        const per: Record<string, number> = {};
        for (const w of st.workers) {
          const b = p.before.workers.find((x) => x.id === w.id && x.pid === w.pid);
          per[String(w.id)] = b ? w.requests - b.requests : Number.NaN;
        }
        p.run.perWorker = per;
      }
      pending.delete(s);
      return st;
    };

    for (const l of LOADS) for (const s of live) await load(s, l.headers, cfg.warmupSeconds);
    for (const s of live) s.lastLoadEnd = Date.now();

    for (let r = 0; r < cfg.rounds; r++) {
      for (const l of LOADS) {
        const line: string[] = [];
        for (const s of rotated(live, r)) {
          const run = await quietest(cfg, `${s.def.name} ${l.key}`, async () => {
            const before = await snapshot(s);
            const primary = before.primary.pid;
            const pids = [primary, ...before.workers.map((w) => w.pid).filter((p) => p !== primary)];
            const window = cpuWindowStart(pids);
            const res = await load(s, l.headers, cfg.seconds);
            const usage = cpuWindowEnd(window, cfg.cpus);
            s.lastLoadEnd = Date.now();
            const workerTicks = sum(pids.filter((p) => p !== primary).map((p) => usage.perPid.get(p)!));
            const attempt: Run = {
              wrk: res,
              primaryTicks: usage.perPid.get(primary)!,
              workerTicks,
              otherShare: usage.otherShare,
            };
            // Its per-worker request counts are filled in by the next snapshot of this server.
            pending.set(s, { run: attempt, before });
            return attempt;
          });
          const res = run.wrk;
          entry(
            entry(out.runs, s.def.name, () => ({})),
            l.key,
            (): Run[] => [],
          ).push(run);
          if (errorCount(res) > 0) log(`  ${s.def.name} ${l.key}: errors ${JSON.stringify(res.errors)}`);
          line.push(`${s.def.name} ${int(res.rps)}`);
        }
        log(`  round ${r + 1}/${cfg.rounds} ${l.key}: ${line.join(', ')}`);
      }
    }
    for (const s of live) await snapshot(s);
  } finally {
    // Stop primaries first (they stop their workers), then any worker left behind, by pid.
    await Promise.all(live.map((s) => stop(s.proc.pid, 5000)));
    await stopAll();
  }
  return out;
}

interface Summary {
  rps: number;
  p99: number;
  errors: number;
  cpuUsPerReq: number;
  primaryShare: number;
  workerShares: string;
}

const CLUSTER = `node:cluster ${WORKERS} workers`;
const VOLLEY = `Volley serve --workers ${WORKERS}`;
const VOLLEY_NO_ADMIN = `Volley serve --workers ${WORKERS}, no --admin`;

function summarize(runs: Run[], clkTck: number, def?: ServerDef): Summary {
  const shares = new Map<string, number>();
  for (const r of runs)
    for (const [id, n] of Object.entries(r.perWorker ?? {})) shares.set(id, (shares.get(id) ?? 0) + n);
  const total = sum([...shares.values()]);
  return {
    rps: median(runs.map((r) => r.wrk.rps)),
    p99: median(runs.map((r) => r.wrk.p99Ms)),
    errors: sum(runs.map((r) => errorCount(r.wrk))),
    cpuUsPerReq: median(runs.map((r) => (((r.primaryTicks + r.workerTicks) / clkTck) * 1e6) / r.wrk.requests)),
    primaryShare: median(runs.map((r) => r.primaryTicks / (r.primaryTicks + r.workerTicks))),
    workerShares: def?.single
      ? '100% (one process)'
      : shares.size === 0 || !Number.isFinite(total)
        ? 'not counted'
        : [...shares.keys()]
            .sort()
            .map((id) => pct(shares.get(id)! / total, 0))
            .join(' / '),
  };
}

export function multiMarkdown(res: MultiResults): string {
  const parts: string[] = [];
  for (const l of LOADS) {
    const base = summarize(res.runs[CLUSTER]?.[l.key] ?? [], res.clkTck);
    const rows = SERVERS.filter((s) => res.runs[s.name]?.[l.key]).map((s) => {
      const sm = summarize(res.runs[s.name]![l.key]!, res.clkTck, s);
      const primary = s.single ? '—' : pct(sm.primaryShare);
      return [
        s.name,
        int(sm.rps),
        fixed(sm.p99),
        ratio(sm.rps / base.rps),
        sm.workerShares,
        fixed(sm.cpuUsPerReq, 1),
        primary,
        String(sm.errors),
      ];
    });
    const title =
      l.key === 'churn' ? 'Connection churn (`Connection: close`, a new TCP connection per request)' : 'Keep-alive';
    parts.push(
      `#### ${title}\n\n${markdownTable(
        ['server', 'req/s (median)', 'p99 ms', '× node:cluster', 'worker share', 'CPU µs/req', 'primary CPU', 'errors'],
        rows,
      )}`,
    );
  }
  const noise = Object.values(res.runs).flatMap((byLoad) =>
    Object.values(byLoad)
      .flat()
      .map((r) => r.otherShare),
  );
  parts.push(noiseNote(noise));
  return parts.join('\n\n');
}

/** The three targets of issue 4, met or not. */
export function multiTargets(res: MultiResults): { name: string; value: string; met: boolean }[] {
  const get = (server: string, load: string) => summarize(res.runs[server]?.[load] ?? [], res.clkTck);
  const vs = (server: string, load: string) => get(server, load).rps / get(CLUSTER, load).rps;
  const also = (load: string) =>
    res.runs[VOLLEY_NO_ADMIN] ? ` (without --admin: ${ratio(vs(VOLLEY_NO_ADMIN, load))})` : '';
  const churn = vs(VOLLEY, 'churn');
  const ka = vs(VOLLEY, 'keep-alive');
  const primary = Math.max(get(VOLLEY, 'churn').primaryShare, get(VOLLEY, 'keep-alive').primaryShare);
  return [
    { name: 'churn ≥ 2.0× node:cluster', value: `${ratio(churn)}${also('churn')}`, met: churn >= 2.0 },
    { name: 'keep-alive ≥ 1.0× node:cluster', value: `${ratio(ka)}${also('keep-alive')}`, met: ka >= 1.0 },
    { name: 'primary CPU ≤ 2% of the total under load', value: pct(primary), met: primary <= 0.02 },
  ];
}
