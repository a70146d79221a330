/**
 * Section 1: one process per framework (raw node:http, Volley, Fastify, Hono, Express),
 * three scenarios, interleaved rounds (each round visits every framework, in rotated order),
 * medians over rounds. Servers are pinned to one CPU and wrk to the other when possible.
 */
import { type Config, freePort, log, nodeCommand, rotated } from './lib/config.js';
import { cpuWindowEnd, cpuWindowStart, ticksPerSecond } from './lib/cpu.js';
import { type Started, start, stop } from './lib/procs.js';
import { entry, fixed, int, markdownTable, median, pct, perRoundRatio, ratio } from './lib/stats.js';
import { errorCount, luaRequest, type WrkResult, wrk, wrkCommand } from './lib/wrk.js';

export const FRAMEWORKS = [
  { name: 'node:http', script: 'bench/servers/node-http.mjs' },
  { name: 'Volley', script: 'bench/servers/volley.mjs' },
  { name: 'Fastify', script: 'bench/servers/fastify.mjs' },
  { name: 'Hono', script: 'bench/servers/hono.mjs' },
  // The same Hono app through a plain streaming Web adapter (bench/servers/web-adapter.mjs):
  // what `volley serve` would gain by its own adapter instead of @hono/node-server's.
  { name: 'Hono, plain Web adapter', script: 'bench/servers/hono-own-adapter.mjs' },
  { name: 'Express', script: 'bench/servers/express.mjs' },
] as const;

/** About 1 KB of JSON, the body of the JSON scenario. */
export const JSON_BODY = JSON.stringify({
  id: 184467,
  name: 'volley-benchmark-order',
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  customer: { id: 9001, name: 'Ada Lovelace', email: 'ada@example.com', tags: ['vip', 'early', 'math'] },
  items: Array.from({ length: 8 }, (_, i) => ({
    sku: `SKU-${String(1000 + i)}`,
    title: `Item number ${i} of the order`,
    price: 9.5 + i,
    quantity: i + 1,
    gift: i % 3 === 0,
  })),
  note: 'Leave at the door. '.repeat(3),
});

interface Scenario {
  key: 'hello' | 'json' | 'github';
  title: string;
  path: string;
  lua?: string;
  check(body: string): boolean;
}

export const SCENARIOS: Scenario[] = [
  { key: 'hello', title: 'Hello world: GET /', path: '/', check: (b) => b === 'Hello World' },
  {
    key: 'json',
    title: `JSON body: POST /json, ${JSON_BODY.length}-byte JSON echoed (parse + serialize)`,
    path: '/json',
    lua: luaRequest('POST', JSON_BODY, 'application/json'),
    check: (b) => {
      try {
        return JSON.stringify(JSON.parse(b)) === JSON_BODY;
      } catch {
        return false;
      }
    },
  },
  {
    key: 'github',
    title: 'Param route in the 203-route GitHub API table: GET /repos/julienschmidt/httprouter/issues',
    path: '/repos/julienschmidt/httprouter/issues',
    check: (b) => b === 'julienschmidt/httprouter',
  },
];

export interface SingleRun extends WrkResult {
  /** CPU time the server used during the run. */
  serverCpuSeconds?: number;
  /** Share of the machine's CPU used meanwhile by unrelated processes (noise). */
  otherShare?: number;
}

export interface SingleResults {
  wrk: string;
  scenarios: { key: string; title: string; runs: Record<string, SingleRun[]> }[];
}

async function request(port: number, s: Scenario): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${s.path}`, {
    method: s.lua ? 'POST' : 'GET',
    ...(s.lua ? { body: JSON_BODY, headers: { 'content-type': 'application/json' } } : {}),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`status ${res.status}: ${body.slice(0, 200)}`);
  return body;
}

export async function runSingle(cfg: Config): Promise<SingleResults> {
  const out: SingleResults = {
    wrk: wrkCommand({ url: '', seconds: cfg.seconds, connections: cfg.connections, cpus: cfg.loadCpu }).join(' '),
    scenarios: [],
  };
  for (const s of SCENARIOS) {
    log(`\n[single] ${s.title}`);
    const servers: { name: string; port: number; proc: Started }[] = [];
    try {
      for (const fw of FRAMEWORKS) {
        const port = await freePort();
        const [cmd, args] = nodeCommand([fw.script, s.key, String(port)], cfg.serverCpu);
        const proc = start(cmd, args);
        servers.push({ name: fw.name, port, proc });
        await proc.waitFor(/listening \d+/, 15_000);
        const body = await request(port, s);
        if (!s.check(body)) throw new Error(`${fw.name} answered ${s.path} wrongly: ${body.slice(0, 200)}`);
      }
      const runs: Record<string, SingleRun[]> = {};
      const load = (port: number, seconds: number) =>
        wrk({
          url: `http://127.0.0.1:${port}${s.path}`,
          seconds,
          connections: cfg.connections,
          cpus: cfg.loadCpu,
          ...(s.lua ? { lua: s.lua } : {}),
        });
      for (const sv of servers) await load(sv.port, cfg.warmupSeconds);
      for (let r = 0; r < cfg.rounds; r++) {
        const line: string[] = [];
        for (const sv of rotated(servers, r)) {
          const res = await quietest(cfg, sv.name, async () => {
            const window = cpuWindowStart([sv.proc.pid]);
            const run: SingleRun = await load(sv.port, cfg.seconds);
            const usage = cpuWindowEnd(window, cfg.cpus);
            run.serverCpuSeconds = usage.perPid.get(sv.proc.pid)! / ticksPerSecond();
            run.otherShare = usage.otherShare;
            return run;
          });
          if (errorCount(res) > 0) log(`  ${sv.name}: errors ${JSON.stringify(res.errors)}`);
          entry(runs, sv.name, (): SingleRun[] => []).push(res);
          line.push(`${sv.name} ${int(res.rps)}`);
        }
        log(`  round ${r + 1}/${cfg.rounds}: ${line.join(', ')}`);
      }
      out.scenarios.push({ key: s.key, title: s.title, runs });
    } finally {
      await Promise.all(servers.map((sv) => stop(sv.proc.pid)));
    }
  }
  return out;
}

/**
 * Runs `measure` once, or (with --max-noise) again while other processes took more than
 * that share of the machine's CPU, up to --retries more times; keeps the quietest run.
 */
export async function quietest<T extends { otherShare?: number }>(
  cfg: Config,
  name: string,
  measure: () => Promise<T>,
): Promise<T> {
  let best: T | undefined;
  for (let attempt = 0; ; attempt++) {
    const run = await measure();
    const noise = run.otherShare ?? 0;
    if (!best || noise < (best.otherShare ?? 0)) best = run;
    if (cfg.maxNoise === undefined || noise <= cfg.maxNoise || attempt >= cfg.retries) return best;
    log(`  ${name}: other processes took ${pct(noise)} of the machine; measuring again`);
  }
}

const perRound = (a: readonly SingleRun[], b: readonly SingleRun[]) => perRoundRatio(a, b, (r) => r.rps);

/** Server CPU time per request in µs: robust to other load on the machine, unlike req/s. */
const cpuPerRequest = (r: SingleRun) => ((r.serverCpuSeconds ?? Number.NaN) * 1e6) / r.requests;

export function singleMarkdown(res: SingleResults): string {
  const parts: string[] = [];
  const noise: number[] = [];
  for (const s of res.scenarios) {
    const baseRuns = s.runs['node:http']!;
    const base = median(baseRuns.map((r) => r.rps));
    const rows = FRAMEWORKS.filter((fw) => s.runs[fw.name]).map((fw) => {
      const runs = s.runs[fw.name]!;
      const rps = runs.map((r) => r.rps);
      const errors = runs.reduce((a, r) => a + errorCount(r), 0);
      for (const r of runs) if (r.otherShare !== undefined) noise.push(r.otherShare);
      return [
        fw.name,
        int(median(rps)),
        int(Math.max(...rps)),
        fixed(median(runs.map((r) => r.p99Ms))),
        ratio(median(rps) / base),
        ratio(perRound(runs, baseRuns)),
        fixed(Math.min(...runs.map(cpuPerRequest)), 1),
        pct(median(runs.map((r) => (r.serverCpuSeconds ?? Number.NaN) / r.seconds)), 0),
        String(errors),
      ];
    });
    const header = [
      'framework',
      'req/s median',
      'req/s best',
      'p99 ms median',
      '× node:http',
      '× node:http per round',
      'CPU µs/req (best)',
      'server CPU',
      'errors',
    ];
    const volley = s.runs.Volley;
    const fastify = s.runs.Fastify;
    const vsFastify =
      volley && fastify
        ? `\n\nVolley ÷ Fastify: ${ratio(median(volley.map((r) => r.rps)) / median(fastify.map((r) => r.rps)))} ` +
          `(ratio of medians), ${ratio(perRound(volley, fastify))} (median of per-round ratios).`
        : '';
    parts.push(`#### ${s.title}\n\n${markdownTable(header, rows)}${vsFastify}`);
  }
  parts.push(noiseNote(noise));
  return parts.join('\n\n');
}

/** How much CPU unrelated processes took during the measured runs. */
export function noiseNote(shares: number[]): string {
  if (shares.length === 0) return '';
  return (
    `Other processes on the machine used a median ${pct(median(shares))} (max ${pct(Math.max(...shares))}) ` +
    'of its total CPU during these runs (from /proc/stat, minus the servers, wrk and the harness).'
  );
}
