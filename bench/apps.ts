/**
 * Section `apps` (issue 15): other frameworks' apps, multi-process. The same Express hello and
 * the same Hono hello (bench/servers/apps/) under
 *   - `volley serve <module> --workers 2`, the module exporting the app (Volley's Server holds it),
 *   - `volley serve <module> --workers 2`, the module listening itself on $PORT (the listen is
 *     given the slot's socket), which is the very file the next two run,
 *   - `pm2 start <module> -i 2` (PM2's cluster mode: node:cluster under PM2's daemon, with its
 *     own PM2_HOME in a temp directory, stopped by `pm2 kill` and then by pid),
 *   - node:cluster with 2 workers, as its users write it (bench/servers/apps/cluster-launch.cjs),
 * under keep-alive and connection-churn load, interleaved rounds; then each runner that can
 * reload (Volley: SIGHUP; PM2: `pm2 reload`) reloads once per round under wrk load, and every
 * error wrk sees meanwhile is counted.
 */
import { readFileSync } from 'node:fs';
import { type Config, freePort, log, rotated } from './lib/config.js';
import { ticksPerSecond } from './lib/cpu.js';
import { adopt } from './lib/procs.js';
import {
  type AppModules,
  children,
  clusterRunner,
  type Live,
  type MeasuredRun,
  measureLoad,
  pm2Runner,
  type Runner,
  volleyRunner,
  WORKERS,
} from './lib/runners.js';
import { entry, fixed, int, markdownTable, median, pct, perRoundRatio, ratio, sum } from './lib/stats.js';
import { errorCount, type WrkResult, wrk } from './lib/wrk.js';
import { LOADS } from './multi.js';
import { noiseNote, quietest } from './single.js';

/** The longest a reload's load may run (it ends 1 s after the reload is done). */
const RELOAD_BOUND_SECONDS = 60;

export const APPS: AppModules[] = [
  {
    name: 'Express',
    exported: 'bench/servers/apps/express-export.cjs',
    listening: 'bench/servers/apps/express-listen.cjs',
  },
  { name: 'Hono', exported: 'bench/servers/apps/hono-export.cjs', listening: 'bench/servers/apps/hono-listen.cjs' },
];

export const RUNNERS: Runner[] = [
  volleyRunner('volley', `volley serve --workers ${WORKERS} (exported app)`, (app) => app.exported),
  volleyRunner('volley-self', `volley serve --workers ${WORKERS} (app listens itself)`, (app) => app.listening),
  pm2Runner,
  clusterRunner,
];

// The multi-process section's two loads: keep-alive, and churn (`Connection: close`).
export { LOADS };

type Run = MeasuredRun;

interface ReloadRun {
  wrk: WrkResult;
  /** The reload finished while the load ran (else the load did not cover it). */
  covered: boolean;
  reloadMs: number;
}

export interface AppsResults {
  pm2Version: string;
  clkTck: number;
  connections: number;
  /** runs[app][runner key][load] */
  runs: Record<string, Record<string, Record<string, Run[]>>>;
  reloads: Record<string, Record<string, Record<string, ReloadRun[]>>>;
}

export async function runApps(cfg: Config, only?: string[]): Promise<AppsResults> {
  const unknown = only?.filter((name) => !APPS.some((a) => a.name === name)) ?? [];
  if (unknown.length)
    throw new Error(`--apps: no app ${unknown.join(', ')} (there are ${APPS.map((a) => a.name).join(', ')})`);
  const out: AppsResults = {
    pm2Version: (JSON.parse(readFileSync('node_modules/pm2/package.json', 'utf8')) as { version: string }).version,
    clkTck: ticksPerSecond(),
    connections: cfg.connections,
    runs: {},
    reloads: {},
  };
  for (const app of APPS.filter((a) => !only || only.includes(a.name))) {
    const live: Live[] = [];
    try {
      for (const runner of RUNNERS) {
        const port = await freePort();
        const s = await runner.start(app, port);
        live.push(s);
        const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        if (body !== 'Hello World')
          throw new Error(`${app.name} under ${runner.name}: GET / answered ${body.slice(0, 80)}`);
        log(`[apps] ${app.name} under ${runner.name}: primary ${s.primary}, workers ${children(s.primary).join(' ')}`);
      }
      const load = (s: Live, headers: string[], seconds: number) =>
        wrk({ url: `http://127.0.0.1:${s.port}/`, seconds, connections: cfg.connections, headers });
      for (const l of LOADS) for (const s of live) await load(s, l.headers, cfg.warmupSeconds);

      for (let r = 0; r < cfg.rounds; r++) {
        for (const l of LOADS) {
          const line: string[] = [];
          for (const s of rotated(live, r)) {
            const run = await quietest(cfg, `${app.name} ${s.runner.name} ${l.key}`, () =>
              measureLoad(s, cfg.cpus, () => load(s, l.headers, cfg.seconds)),
            );
            entry(
              entry(
                entry(out.runs, app.name, () => ({})),
                s.runner.key,
                () => ({}),
              ),
              l.key,
              (): Run[] => [],
            ).push(run);
            if (errorCount(run.wrk) > 0) log(`  ${s.runner.name} ${l.key}: errors ${JSON.stringify(run.wrk.errors)}`);
            line.push(`${s.runner.key} ${int(run.wrk.rps)}`);
          }
          log(`  ${app.name} round ${r + 1}/${cfg.rounds} ${l.key}: ${line.join(', ')}`);
        }
      }

      // One reload per runner, load and round, under wrk load that starts before and ends after it.
      const reloadRounds = Math.min(cfg.rounds, 3);
      for (let r = 0; r < reloadRounds; r++) {
        for (const l of LOADS) {
          for (const s of rotated(
            live.filter((x) => x.reload),
            r,
          )) {
            // The load runs from 1 s before the reload until 1 s after it is done (bounded).
            let reloaded!: () => void;
            const until = new Promise<void>((resolve) => {
              reloaded = resolve;
            }).then(() => new Promise((resolve) => setTimeout(resolve, 1000)));
            const pending = wrk({
              url: `http://127.0.0.1:${s.port}/`,
              seconds: RELOAD_BOUND_SECONDS,
              connections: cfg.connections,
              headers: l.headers,
              until,
            });
            await new Promise((resolve) => setTimeout(resolve, 1000));
            const began = Date.now();
            await s.reload!().finally(reloaded);
            const finished = Date.now();
            const res = await pending;
            const covered = res.seconds < RELOAD_BOUND_SECONDS - 0.5;
            entry(
              entry(
                entry(out.reloads, app.name, () => ({})),
                s.runner.key,
                () => ({}),
              ),
              l.key,
              (): ReloadRun[] => [],
            ).push({ wrk: res, covered, reloadMs: finished - began });
            for (const pid of children(s.primary)) adopt(pid);
            log(
              `  ${app.name} reload ${r + 1}/${reloadRounds} ${l.key} ${s.runner.key}: ${finished - began} ms, ` +
                `${int(res.requests)} requests, errors ${JSON.stringify(res.errors)}`,
            );
          }
        }
      }
    } finally {
      await Promise.all(live.map((s) => s.stop()));
    }
  }
  return out;
}

const perRound = (a: readonly Run[], b: readonly Run[]) => perRoundRatio(a, b, (r) => r.wrk.rps);

const cpuUsPerReq = (runs: Run[], clkTck: number) =>
  median(runs.map((r) => (((r.primaryTicks + r.workerTicks) / clkTck) * 1e6) / r.wrk.requests));

export function appsMarkdown(res: AppsResults): string {
  const parts: string[] = [];
  for (const app of APPS) {
    const byRunner = res.runs[app.name];
    if (!byRunner) continue;
    for (const l of LOADS) {
      const pm2 = byRunner.pm2?.[l.key] ?? [];
      const cluster = byRunner.cluster?.[l.key] ?? [];
      const rows = RUNNERS.filter((x) => byRunner[x.key]?.[l.key]).map((x) => {
        const runs = byRunner[x.key]![l.key]!;
        return [
          x.name,
          int(median(runs.map((r) => r.wrk.rps))),
          fixed(median(runs.map((r) => r.wrk.p99Ms))),
          ratio(perRound(runs, pm2)),
          ratio(perRound(runs, cluster)),
          fixed(cpuUsPerReq(runs, res.clkTck), 1),
          pct(median(runs.map((r) => r.primaryTicks / (r.primaryTicks + r.workerTicks)))),
          String(sum(runs.map((r) => errorCount(r.wrk)))),
        ];
      });
      const title = l.key === 'churn' ? 'connection churn (`Connection: close`)' : 'keep-alive';
      parts.push(
        `#### ${app.name} hello, ${title}\n\n${markdownTable(
          ['server', 'req/s (median)', 'p99 ms', '× PM2', '× node:cluster', 'CPU µs/req', 'primary CPU', 'errors'],
          rows,
        )}`,
      );
    }
  }
  const reloadRows: string[][] = [];
  for (const app of APPS) {
    for (const x of RUNNERS) {
      for (const l of LOADS) {
        const runs = res.reloads[app.name]?.[x.key]?.[l.key];
        if (!runs) continue;
        const e = (k: keyof WrkResult['errors']) => sum(runs.map((r) => r.wrk.errors[k]));
        reloadRows.push([
          app.name,
          x.name,
          l.key,
          String(runs.length),
          int(median(runs.map((r) => r.reloadMs))),
          int(sum(runs.map((r) => r.wrk.requests))),
          String(e('connect')),
          String(e('read') + e('write')),
          String(e('timeout')),
          String(e('status')),
          runs.every((r) => r.covered) ? 'yes' : 'NO',
        ]);
      }
    }
  }
  if (reloadRows.length) {
    parts.push(
      `#### Errors during a rolling reload (\`wrk -c${res.connections}\` from 1 s before the reload until 1 s after it is done)\n\n${markdownTable(
        [
          'app',
          'server',
          'load',
          'reloads',
          'reload ms (median)',
          'requests',
          'connect errors',
          'read/write errors',
          'timeouts',
          'HTTP ≥ 400',
          'reload within load',
        ],
        reloadRows,
      )}`,
    );
  }
  parts.push(
    noiseNote(
      Object.values(res.runs).flatMap((byRunner) =>
        Object.values(byRunner).flatMap((byLoad) =>
          Object.values(byLoad)
            .flat()
            .map((r) => r.otherShare),
        ),
      ),
    ),
  );
  return parts.join('\n\n');
}

/** Issue 15's goals for the Express app, met or not. */
export function appsTargets(res: AppsResults): { name: string; value: string; met: boolean }[] {
  const runs = res.runs.Express;
  if (!runs?.volley || !runs.pm2) return [];
  const churn = perRound(runs.volley.churn ?? [], runs.pm2.churn ?? []);
  const ka = perRound(runs.volley['keep-alive'] ?? [], runs.pm2['keep-alive'] ?? []);
  const errorsOf = (key: string) =>
    sum(
      APPS.flatMap((a) =>
        LOADS.flatMap((l) => (res.reloads[a.name]?.[key]?.[l.key] ?? []).map((r) => errorCount(r.wrk))),
      ),
    );
  const volleyErrors = errorsOf('volley') + errorsOf('volley-self');
  return [
    { name: 'Express churn ≥ 1.8× PM2', value: ratio(churn), met: churn >= 1.8 },
    { name: 'Express keep-alive ≥ 1.0× PM2', value: ratio(ka), met: ka >= 1.0 },
    {
      name: '0 errors during volley reload',
      value: `${volleyErrors} (PM2: ${errorsOf('pm2')})`,
      met: volleyErrors === 0,
    },
  ];
}
