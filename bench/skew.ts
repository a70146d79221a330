/**
 * Section `skew` (issue 19): where the kernel's hashing of SO_REUSEPORT loses. The same app
 * (bench/servers/apps/skew-*.cjs: every 50th request in a worker blocks its event loop 20 ms)
 * under `volley serve --workers 2`, node:cluster (round-robin through its primary) and
 * `pm2 start -i 2`, interleaved rounds, at low load (churn, 4 connections), high load (churn, 32)
 * and keep-alive (32). Reported: req/s, p50/p99/max latency and CPU per request (primary and
 * workers). A connection hashed to a worker that is blocked waits in that worker's accept queue
 * while the other worker may idle; node:cluster's primary hands each connection to a worker that
 * is not busy, at the price of passing every connection through one process. Volley runs with
 * each `--steering` mode: `rescue` (the default), `queue` and `off` (kernel hashing alone).
 *
 * A second case offers every server the same load, open loop (bench/lib/open-loop.ts: 1,000
 * fresh connections a second, whatever the server answers): wrk's closed loop offers a faster
 * server more requests, so more 20 ms blocks, and its slowest request grows with that. Here
 * the latency tail and the CPU per request compare what each does with the same connections.
 *
 * A third case blocks one worker for 2 s (less than the heartbeat timeout) and opens fresh
 * connections meanwhile: how many wait for the blocked worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, freePort, log, rotated } from './lib/config.js';
import { ticksPerSecond } from './lib/cpu.js';
import { freshRequests } from './lib/fresh-requests.js';
import { hasH2load, type OpenLoopResult, openLoop } from './lib/open-loop.js';
import {
  type AppModules,
  children,
  clusterRunner,
  type Live,
  type MeasuredRun,
  measureLoad,
  pm2Runner,
  volleyRunner,
  WORKERS,
} from './lib/runners.js';
import { entry, fixed, int, markdownTable, median, perRoundRatio, ratio, sum } from './lib/stats.js';
import { errorCount, type WrkResult, wrk } from './lib/wrk.js';
import { noiseNote, quietest } from './single.js';

const SKEW: AppModules = {
  name: 'skew',
  exported: 'bench/servers/apps/skew-export.cjs',
  listening: 'bench/servers/apps/skew-listen.cjs',
};

export const SKEW_RUNNERS = [
  volleyRunner('volley', `volley serve --workers ${WORKERS} (--steering rescue)`, (app) => app.exported),
  volleyRunner('volley-queue', `volley serve --workers ${WORKERS} --steering queue`, (app) => app.exported, [
    '--steering',
    'queue',
  ]),
  volleyRunner('volley-off', `volley serve --workers ${WORKERS} --steering off`, (app) => app.exported, [
    '--steering',
    'off',
  ]),
  clusterRunner,
  pm2Runner,
];

/** The blocked-worker case: one worker blocks this long, then this many fresh connections, this many at a time. */
export const BLOCKED = { blockMs: 2000, requests: 200, concurrency: 8 };

export interface BlockedRun {
  p50Ms: number;
  maxMs: number;
  /** Requests that waited more than half the block (for the blocked worker). */
  waited: number;
  errors: number;
  /** From the first request to the last answer. */
  elapsedMs: number;
}

export const SKEW_LOADS = [
  { key: 'churn c4', connections: 4, headers: ['Connection: close'] },
  { key: 'churn c32', connections: 32, headers: ['Connection: close'] },
  { key: 'keep-alive c32', connections: 32, headers: [] as string[] },
];

type Run = MeasuredRun;

/** The open-loop case: this many new connections a millisecond, for every server alike. */
export const OPEN_LOOP = { perMs: 1 };

export interface SkewResults {
  clkTck: number;
  seconds: number;
  /** runs[runner key][load key] */
  runs: Record<string, Record<string, Run[]>>;
  /** blocked[runner key]: one per round */
  blocked: Record<string, BlockedRun[]>;
  /** openLoop[runner key]: one per round (absent without h2load, and in older results) */
  openLoop?: Record<string, MeasuredRun<OpenLoopResult>[]>;
}

/** Blocks one worker of `s` for BLOCKED.blockMs, measures fresh connections meanwhile, waits the block out. */
async function blockedRun(s: Live): Promise<BlockedRun> {
  const blocking = await freshRequests(s.port, `/block?ms=${BLOCKED.blockMs}`, 1, 1);
  const blockedAt = performance.now();
  await sleep(30);
  const t0 = performance.now();
  const res = await freshRequests(s.port, '/', BLOCKED.requests, BLOCKED.concurrency, 3 * BLOCKED.blockMs);
  const elapsedMs = performance.now() - t0;
  const left = BLOCKED.blockMs + 200 - (performance.now() - blockedAt);
  if (left > 0) await sleep(left);
  const sorted = [...res.latenciesMs].sort((a, b) => a - b);
  return {
    p50Ms: sorted[sorted.length >> 1] ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
    waited: res.latenciesMs.filter((ms) => ms > BLOCKED.blockMs / 2).length,
    errors: res.errors + blocking.errors,
    elapsedMs,
  };
}

export async function runSkew(cfg: Config): Promise<SkewResults> {
  const out: SkewResults = { clkTck: ticksPerSecond(), seconds: cfg.seconds, runs: {}, blocked: {} };
  if (hasH2load()) out.openLoop = {};
  else log('[skew] h2load not found (apt install nghttp2-client): the open-loop case is left out');
  const live: Live[] = [];
  try {
    for (const runner of SKEW_RUNNERS) {
      const s = await runner.start(SKEW, await freePort());
      live.push(s);
      log(`[skew] ${runner.name}: primary ${s.primary}, workers ${children(s.primary).join(' ')}`);
    }
    const load = (s: Live, l: (typeof SKEW_LOADS)[number], seconds: number) =>
      wrk({ url: `http://127.0.0.1:${s.port}/`, seconds, connections: l.connections, headers: l.headers });
    for (const l of SKEW_LOADS) for (const s of live) await load(s, l, cfg.warmupSeconds);
    for (let r = 0; r < cfg.rounds; r++) {
      for (const l of SKEW_LOADS) {
        const line: string[] = [];
        for (const s of rotated(live, r)) {
          const run = await quietest(cfg, `skew ${s.runner.name} ${l.key}`, () =>
            measureLoad(s, cfg.cpus, () => load(s, l, cfg.seconds)),
          );
          entry(
            entry(out.runs, s.runner.key, () => ({})),
            l.key,
            (): Run[] => [],
          ).push(run);
          if (errorCount(run.wrk) > 0) log(`  ${s.runner.name} ${l.key}: errors ${JSON.stringify(run.wrk.errors)}`);
          line.push(`${s.runner.key} ${int(run.wrk.rps)} (max ${fixed(run.wrk.maxMs, 0)} ms)`);
        }
        log(`  skew round ${r + 1}/${cfg.rounds} ${l.key}: ${line.join(', ')}`);
      }
      if (out.openLoop) {
        const line: string[] = [];
        for (const s of rotated(live, r)) {
          const run = await quietest(cfg, `skew ${s.runner.name} open loop`, () =>
            measureLoad(s, cfg.cpus, () =>
              openLoop({ url: `http://127.0.0.1:${s.port}/`, perMs: OPEN_LOOP.perMs, seconds: cfg.seconds }),
            ),
          );
          entry(out.openLoop, s.runner.key, (): MeasuredRun<OpenLoopResult>[] => []).push(run);
          line.push(`${s.runner.key} p99.9 ${fixed(run.wrk.p999Ms, 1)} max ${fixed(run.wrk.maxMs, 0)} ms`);
        }
        log(`  skew round ${r + 1}/${cfg.rounds} open loop: ${line.join(', ')}`);
      }
      const line: string[] = [];
      for (const s of rotated(live, r)) {
        const run = await blockedRun(s);
        entry(out.blocked, s.runner.key, (): BlockedRun[] => []).push(run);
        line.push(`${s.runner.key} max ${fixed(run.maxMs, 0)} ms, ${run.waited} waited`);
      }
      log(`  skew round ${r + 1}/${cfg.rounds} worker blocked ${BLOCKED.blockMs} ms: ${line.join(', ')}`);
    }
  } finally {
    await Promise.all(live.map((s) => s.stop()));
  }
  return out;
}

/** CPU µs per request over the server's primary and workers, the median over runs. */
function cpuPerRequest(res: SkewResults, runs: readonly MeasuredRun<WrkResult>[]): number {
  return median(runs.map((r) => (((r.primaryTicks + r.workerTicks) / res.clkTck) * 1e6) / r.wrk.requests));
}

const perRound = (a: readonly Run[], b: readonly Run[]) => perRoundRatio(a, b, (r) => r.wrk.rps);

export function skewMarkdown(res: SkewResults): string {
  const parts: string[] = [];
  for (const l of SKEW_LOADS) {
    const cluster = res.runs.cluster?.[l.key] ?? [];
    const rows = SKEW_RUNNERS.filter((x) => res.runs[x.key]?.[l.key]).map((x) => {
      const runs = res.runs[x.key]![l.key]!;
      return [
        x.name,
        int(median(runs.map((r) => r.wrk.rps))),
        ratio(perRound(runs, cluster)),
        fixed(median(runs.map((r) => r.wrk.p50Ms))),
        fixed(median(runs.map((r) => r.wrk.p99Ms))),
        fixed(Math.max(...runs.map((r) => r.wrk.maxMs)), 0),
        fixed(cpuPerRequest(res, runs), 1),
        ratio(cpuPerRequest(res, cluster) / cpuPerRequest(res, runs)),
        String(sum(runs.map((r) => errorCount(r.wrk)))),
      ];
    });
    parts.push(
      `#### Skewed app (1 in 50 requests blocks 20 ms), ${l.key}\n\n${markdownTable(
        [
          'server',
          'req/s (median)',
          '× node:cluster',
          'p50 ms',
          'p99 ms',
          'max ms (worst run)',
          'CPU µs/req',
          'less CPU/req than cluster',
          'errors',
        ],
        rows,
      )}`,
    );
  }
  if (res.openLoop) parts.push(openLoopMarkdown(res, res.openLoop));
  const blockedRows = SKEW_RUNNERS.filter((x) => res.blocked[x.key]?.length).map((x) => {
    const runs = res.blocked[x.key]!;
    return [
      x.name,
      fixed(median(runs.map((r) => r.p50Ms))),
      fixed(Math.max(...runs.map((r) => r.maxMs)), 0),
      String(sum(runs.map((r) => r.waited))),
      String(sum(runs.map((r) => r.errors))),
    ];
  });
  if (blockedRows.length > 0) {
    const rounds = Math.max(...Object.values(res.blocked).map((r) => r.length));
    parts.push(
      `#### A worker blocked for ${BLOCKED.blockMs / 1000} s: ${BLOCKED.requests} fresh connections (${BLOCKED.concurrency} at a time) meanwhile, ${rounds} rounds\n\n${markdownTable(
        [
          'server',
          'p50 ms (median)',
          'max ms (worst run)',
          `waited > ${BLOCKED.blockMs / 2000} s (all rounds)`,
          'errors',
        ],
        blockedRows,
      )}`,
    );
  }
  parts.push(
    noiseNote(
      Object.values(res.runs).flatMap((byLoad) =>
        Object.values(byLoad)
          .flat()
          .map((r) => r.otherShare),
      ),
    ),
  );
  return parts.join('\n\n');
}

function openLoopMarkdown(res: SkewResults, runs: Record<string, MeasuredRun<OpenLoopResult>[]>): string {
  const cluster = runs.cluster ?? [];
  const rows = SKEW_RUNNERS.filter((x) => runs[x.key]?.length).map((x) => {
    const xs = runs[x.key]!;
    return [
      x.name,
      int(median(xs.map((r) => r.wrk.rps))),
      fixed(median(xs.map((r) => r.wrk.p50Ms))),
      fixed(median(xs.map((r) => r.wrk.p99Ms))),
      fixed(median(xs.map((r) => r.wrk.p999Ms))),
      fixed(median(xs.map((r) => r.wrk.maxMs)), 1),
      fixed(Math.max(...xs.map((r) => r.wrk.maxMs)), 0),
      fixed(cpuPerRequest(res, xs), 1),
      ratio(cpuPerRequest(res, cluster) / cpuPerRequest(res, xs)),
      String(sum(xs.map((r) => errorCount(r.wrk)))),
    ];
  });
  return `#### Skewed app, open loop: ${int(OPEN_LOOP.perMs * 1000)} fresh connections a second offered to every server\n\n${markdownTable(
    [
      'server',
      'req/s served (median)',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms (median run)',
      'max ms (worst run)',
      'CPU µs/req',
      'less CPU/req than cluster',
      'errors',
    ],
    rows,
  )}`;
}
