/**
 * Section `validation`: the cost of endpoint(). One Volley process per variant answers POST
 * /json with the ~1 KB order of the single-process JSON scenario, echoed back: read with
 * req.json() (`plain`), or validated against a schema of the whole order by zod, valibot,
 * arktype or TypeBox (ajv). Interleaved rounds, medians, and each variant's req/s as a ratio
 * of plain's (also the median of per-round ratios, robust to drift across a round).
 */
import { type Config, freePort, log, nodeCommand, rotated } from './lib/config.js';
import { cpuWindowEnd, cpuWindowStart, ticksPerSecond } from './lib/cpu.js';
import { type Started, start, stop } from './lib/procs.js';
import { entry, fixed, int, markdownTable, median, perRoundRatio, ratio } from './lib/stats.js';
import { errorCount, luaRequest, wrk, wrkCommand } from './lib/wrk.js';
import { JSON_BODY, quietest, type SingleRun } from './single.js';

export const VARIANTS = [
  { name: 'plain req.json()', variant: 'plain' },
  { name: 'endpoint() zod', variant: 'zod' },
  { name: 'endpoint() valibot', variant: 'valibot' },
  { name: 'endpoint() arktype', variant: 'arktype' },
  { name: 'endpoint() TypeBox (ajv)', variant: 'typebox' },
] as const;

export interface ValidationResults {
  wrk: string;
  runs: Record<string, SingleRun[]>;
  /** In-process µs per call, medians over rounds: JSON.parse of the order alone, and parse + validate per library. */
  perCall?: Record<string, number>;
}

/**
 * The validation itself, in process: JSON.parse of the order, then parse + `run` of the
 * compiled schema, per library, interleaved rounds of a fixed number of calls. Independent
 * of the load generator and much less of the machine's other load than req/s.
 */
async function perCall(rounds: number): Promise<Record<string, number>> {
  const { compileSchema } = await import('../src/validation/schema.js');
  // A plain .mjs module (the server's schemas), loaded from the sources at run time.
  const modulePath = new URL('../../bench/servers/order-schemas.mjs', import.meta.url).href;
  const { schemas } = (await import(modulePath)) as { schemas: Record<string, () => never> };
  const compiled = Object.entries(schemas).map(([name, make]) => [name, compileSchema(make(), 'body', name)] as const);
  const calls = 20_000;
  const time = (fn: () => void): number => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    return Number(process.hrtime.bigint() - t) / calls / 1000;
  };
  const samples: Record<string, number[]> = { 'JSON.parse only': [] };
  for (let r = 0; r < rounds; r++) {
    samples['JSON.parse only']!.push(time(() => JSON.parse(JSON_BODY)));
    for (const [name, schema] of compiled) {
      entry(samples, name, (): number[] => []).push(
        time(() => {
          const out = schema.run(JSON.parse(JSON_BODY));
          if (out instanceof Promise || !out.ok) throw new Error(`${name}: the order does not validate`);
        }),
      );
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

async function check(port: number, plain: boolean): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/json`, {
    method: 'POST',
    body: JSON_BODY,
    headers: { 'content-type': 'application/json' },
  });
  const body = await res.text();
  if (res.status !== 200 || JSON.stringify(JSON.parse(body)) !== JSON_BODY) {
    throw new Error(`validated echo answered ${res.status}: ${body.slice(0, 300)}`);
  }
  const bad = await fetch(`http://127.0.0.1:${port}/json`, {
    method: 'POST',
    body: JSON_BODY.replace('"active":true', '"active":"yes"'),
    headers: { 'content-type': 'application/json' },
  });
  await bad.text();
  // The plain route does not validate: it echoes the invalid order too.
  if (bad.status !== (plain ? 200 : 400)) throw new Error(`an invalid order was answered ${bad.status}, not 400`);
}

export async function runValidation(cfg: Config): Promise<ValidationResults> {
  const lua = luaRequest('POST', JSON_BODY, 'application/json');
  const out: ValidationResults = {
    wrk: wrkCommand({ url: '', seconds: cfg.seconds, connections: cfg.connections, cpus: cfg.loadCpu }).join(' '),
    runs: {},
  };
  log('\n[validation] POST /json validated by endpoint() vs req.json()');
  const servers: { name: string; port: number; proc: Started }[] = [];
  try {
    for (const v of VARIANTS) {
      const port = await freePort();
      const [cmd, args] = nodeCommand(['bench/servers/volley-validated.mjs', v.variant, String(port)], cfg.serverCpu);
      const proc = start(cmd, args);
      servers.push({ name: v.name, port, proc });
      await proc.waitFor(/listening \d+/, 15_000);
      await check(port, v.variant === 'plain');
    }
    const load = (port: number, seconds: number) =>
      wrk({ url: `http://127.0.0.1:${port}/json`, seconds, connections: cfg.connections, cpus: cfg.loadCpu, lua });
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
        entry(out.runs, sv.name, (): SingleRun[] => []).push(res);
        line.push(`${sv.name} ${int(res.rps)}`);
      }
      log(`  round ${r + 1}/${cfg.rounds}: ${line.join(', ')}`);
    }
  } finally {
    await Promise.all(servers.map((sv) => stop(sv.proc.pid)));
  }
  out.perCall = await perCall(cfg.quick ? 5 : 9);
  return out;
}

const perRound = (a: readonly SingleRun[], b: readonly SingleRun[]) => perRoundRatio(a, b, (r) => r.rps);

const cpuPerRequest = (r: SingleRun) => ((r.serverCpuSeconds ?? Number.NaN) * 1e6) / r.requests;

export function validationMarkdown(res: ValidationResults): string {
  const baseRuns = res.runs[VARIANTS[0].name]!;
  const base = median(baseRuns.map((r) => r.rps));
  const baseCpu = Math.min(...baseRuns.map(cpuPerRequest));
  const rows = VARIANTS.filter((v) => res.runs[v.name]).map((v) => {
    const runs = res.runs[v.name]!;
    const rps = runs.map((r) => r.rps);
    return [
      v.name,
      int(median(rps)),
      fixed(median(runs.map((r) => r.p99Ms))),
      ratio(median(rps) / base),
      ratio(perRound(runs, baseRuns)),
      fixed(Math.min(...runs.map(cpuPerRequest)), 1),
      ratio(Math.min(...runs.map(cpuPerRequest)) / baseCpu),
      String(runs.reduce((a, r) => a + errorCount(r), 0)),
    ];
  });
  const table = markdownTable(
    [
      'route',
      'req/s median',
      'p99 ms median',
      '× plain',
      '× plain per round',
      'CPU µs/req (best)',
      'CPU/req × plain',
      'errors',
    ],
    rows,
  );
  if (!res.perCall) return table;
  const parse = res.perCall['JSON.parse only']!;
  const calls = Object.entries(res.perCall).map(([name, us]) => [
    name,
    fixed(us, 2),
    name === 'JSON.parse only' ? '' : fixed(us - parse, 2),
  ]);
  return `${table}\n\nIn process, the order parsed and validated (µs per call, medians over rounds of 20,000 calls):\n\n${markdownTable(['schema', 'parse + validate µs', 'validation µs'], calls)}`;
}
