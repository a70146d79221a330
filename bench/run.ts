/**
 * `npm run bench`: side-by-side, interleaved HTTP benchmarks of Volley against raw node:http,
 * Fastify, Hono and Express (one process each), a router micro-benchmark against find-my-way,
 * the multi-process section (volley serve vs node:cluster vs one process), Express and Hono apps
 * under volley serve vs PM2 and node:cluster (apps); HTTP/2 over TLS
 * (Volley vs raw node:http2, with h2load) and the bus fan-out latency of the chat example.
 * A measurement tool, not a test: it prints markdown tables and writes them (and the raw runs as JSON).
 *
 *   npm run build && npm run bench [-- --quick] [--only single,validation,instructions,router,multi,apps,skew,h2,fanout]
 *                                   [--rounds N] [--duration S] [--out FILE.md]
 *
 * Run from the repository root; loopback only; every process it starts is stopped by pid.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { type AppsResults, appsMarkdown, appsTargets, runApps } from './apps.js';
import { type FanoutResults, fanoutMarkdown, runFanout } from './fanout.js';
import { checkH2load, type H2Results, h2Markdown, runH2 } from './h2.js';
import { checkValgrind, type InstructionResults, instructionsMarkdown, runInstructions } from './instructions.js';
import type { Config } from './lib/config.js';
import { log } from './lib/config.js';
import { installCleanup, stopAll } from './lib/procs.js';
import { int } from './lib/stats.js';
import { cleanupScripts } from './lib/wrk.js';
import { machine } from './machine.js';
import { type MultiResults, multiMarkdown, multiTargets, runMulti } from './multi.js';
import { type RouterResults, routerMarkdown, runRouter } from './router.js';
import { runSingle, type SingleResults, singleMarkdown } from './single.js';
import { runSkew, type SkewResults, skewMarkdown } from './skew.js';
import { runValidation, type ValidationResults, validationMarkdown } from './validation.js';

const SECTIONS = ['single', 'validation', 'instructions', 'router', 'multi', 'apps', 'skew', 'h2', 'fanout'] as const;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    out: { type: 'string', default: 'dist/bench/results.md' },
    render: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    'max-noise': { type: 'string' },
    retries: { type: 'string', default: '2' },
    apps: { type: 'string' },
    'fanout-procs': { type: 'string', default: '2' },
    'fanout-clients': { type: 'string', default: '1000' },
    'fanout-poll-us': { type: 'string', default: '250' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run bench -- [--quick] [--only ${SECTIONS.join(',')}] [--rounds N] [--duration S]
                       [--connections C] [--no-pin] [--max-noise PCT [--retries N]] [--out FILE.md]
  --quick     2 rounds x 2 s (about 2.5 minutes) instead of 5 rounds x 5 s (about 10 minutes)
              (instructions: 15,000 + 3 x 3,000 requests per server instead of 40,000 + 3 x 10,000; needs valgrind)
  --no-pin    do not pin single-process servers and wrk to separate CPUs with taskset
  --max-noise measure a run again (up to --retries times, default 2; the quietest run is kept)
              when other processes used more than PCT% of the machine's CPU during it
  --apps A,B  the apps section runs only these apps (Express, Hono)
  --fanout-procs N  receiver processes (bench/tools/ws-fanout-client.c) the fan-out clients are split over (default 2)
  --fanout-clients N  fan-out WebSocket clients (default 1000, the issue's number)
  --fanout-poll-us N  the receivers' pause between batches of ready sockets, in µs (default 250)
  --render F  print the markdown of a saved run (F is the .json next to an --out file) and exit
  --out       markdown results (default dist/bench/results.md; raw runs go next to it as .json)`);
  process.exit(0);
}

const only = new Set((values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s}`);

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const tool of ['wrk']) {
  try {
    execFileSync(tool, ['-v'], { stdio: 'ignore' });
  } catch (err) {
    // wrk -v exits 1 after printing its version; only a missing binary matters.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is required (apt install ${tool})`);
  }
}
if (only.has('h2')) checkH2load();
if (only.has('instructions')) checkValgrind();
// The servers import 'volley', i.e. the bundle dist/volley.js; the router benchmark imports dist/src.
if (!existsSync('dist/volley.js') || !existsSync('dist/src/index.js') || !existsSync('bin/volley.js')) {
  throw new Error('run from the repository root after `npm run build`');
}

const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
const pin = !values['no-pin'] && cpus >= 2 && hasTaskset();
const quick = values.quick;
const cfg: Config = {
  quick,
  cpus,
  rounds: Number(values.rounds ?? (quick ? 2 : 5)),
  seconds: Number(values.duration ?? (quick ? 2 : 5)),
  warmupSeconds: quick ? 1 : 2,
  connections: Number(values.connections ?? 64),
  serverCpu: pin ? String(cpus - 1) : undefined,
  loadCpu: pin ? (cpus === 2 ? '0' : `0-${cpus - 2}`) : undefined,
  maxNoise: values['max-noise'] === undefined ? undefined : Number(values['max-noise']) / 100,
  retries: Number(values.retries),
  routerRounds: quick ? 5 : 15,
  routerSampleMs: quick ? 100 : 200,
};

installCleanup();

interface Raw {
  machine: ReturnType<typeof machine>;
  config: Config;
  seconds?: number;
  single?: SingleResults;
  validation?: ValidationResults;
  instructions?: InstructionResults;
  router?: RouterResults;
  multi?: MultiResults;
  apps?: AppsResults;
  skew?: SkewResults;
  h2?: H2Results;
  fanout?: FanoutResults;
}

/** The markdown report of a run (also from a saved .json with --render). */
function render(raw: Raw): string {
  const { machine: m, config: c } = raw;
  const md: string[] = [
    `## Results ${m.date.slice(0, 10)}`,
    '',
    Object.entries(m)
      .map(([k, v]) => `- ${k}: ${v}`)
      .join('\n'),
    `- method: ${c.rounds} interleaved rounds × ${c.seconds} s per server (rotated order each round), ` +
      `${c.warmupSeconds} s warm-up per server first, medians over rounds; ${c.connections} connections, wrk -t1` +
      (c.maxNoise !== undefined
        ? `; a run during which other processes used more than ${Math.round(c.maxNoise * 100)}% of the machine was measured again (up to ${c.retries} times, quietest kept)`
        : ''),
  ];
  if (raw.single) {
    md.push(
      '',
      '### Single process',
      '',
      c.serverCpu !== undefined
        ? `Each server pinned to CPU ${c.serverCpu} (\`taskset -c ${c.serverCpu} node bench/servers/<name>.mjs <scenario> <port>\`), wrk pinned to CPU ${c.loadCpu}: \`${raw.single.wrk}\`.`
        : `No CPU pinning: \`${raw.single.wrk}\`.`,
      '',
      singleMarkdown(raw.single),
    );
  }
  if (raw.validation) {
    md.push(
      '',
      '### Validated JSON POST: endpoint() per schema library vs req.json() (single process)',
      '',
      'POST /json with the same ~1 KB order as the JSON scenario, echoed back; `endpoint({ body })` with a schema of the whole order ' +
        '(bench/servers/volley-validated.mjs). ' +
        (c.serverCpu !== undefined ? `Server on CPU ${c.serverCpu}, wrk on CPU ${c.loadCpu}: ` : 'No CPU pinning: ') +
        `\`${raw.validation.wrk}\`.`,
      '',
      validationMarkdown(raw.validation),
    );
  }
  if (raw.instructions) {
    const ins = raw.instructions;
    md.push(
      '',
      '### Instructions per request (callgrind, single process)',
      '',
      `\`${ins.command}\`: ${int(ins.warmup)} keep-alive requests to warm up, then instructions counted in ` +
        `${ins.windows} windows of ${int(ins.requests)} requests each (the lowest is reported: a late JIT compile lands in one window), ` +
        `on ${ins.connections} connections. Independent of the machine's other load; ` +
        'user space only (the kernel’s socket work, the same for all, is not in it).',
      '',
      instructionsMarkdown(ins),
    );
  }
  if (raw.router) {
    md.push(
      '',
      '### Router lookups (GitHub API table, 203 routes)',
      '',
      `${raw.router.commands.map((x) => `\`${x}\``).join(' and ')}${c.serverCpu !== undefined ? ` (pinned to CPU ${c.serverCpu})` : ''}; medians over interleaved rounds.`,
      '',
      routerMarkdown(raw.router),
    );
  }
  if (raw.multi) {
    const targets = multiTargets(raw.multi);
    md.push(
      '',
      '### Multi-process (2 workers, hello world)',
      '',
      `No CPU pinning (the two workers need both CPUs; wrk shares them): \`${raw.multi.wrk} [-H 'Connection: close']\`. ` +
        `CPU µs/req = (utime+stime of the primary and every worker, from /proc/<pid>/stat, CLK_TCK ${raw.multi.clkTck}) ÷ requests; ` +
        'primary CPU = the primary’s share of that; worker share = per-worker request counts over all rounds ' +
        '(Volley: admin `/status` deltas; node:cluster: counts reported by the workers). ' +
        'With `--admin` each Volley worker also keeps Prometheus metrics (a per-request observer); ' +
        'the “no --admin” row runs without it (worker pids from /proc/<pid>/task/<pid>/children, no per-worker counts).',
      '',
      multiMarkdown(raw.multi),
      '',
      'Targets (issue 4):',
      '',
      targets.map((t) => `- ${t.name}: **${t.value}** — ${t.met ? 'met' : 'NOT met'}`).join('\n'),
    );
  }
  if (raw.apps) {
    const targets = appsTargets(raw.apps);
    md.push(
      '',
      "### Other frameworks' apps, multi-process (2 workers, Express and Hono hello)",
      '',
      'The same app modules (bench/servers/apps/) under `volley serve` (exported, and listening itself on $PORT), ' +
        '`pm2 start <module> -i 2` (PM2 ' +
        raw.apps.pm2Version +
        ', its own PM2_HOME) and node:cluster; no CPU pinning; × PM2 and × node:cluster are medians of per-round ratios. ' +
        'CPU µs/req counts the primary (PM2: its daemon, the cluster primary) and the workers.',
      '',
      appsMarkdown(raw.apps),
      '',
      'Targets (issue 15):',
      '',
      targets.map((t) => `- ${t.name}: **${t.value}** — ${t.met ? 'met' : 'NOT met'}`).join('\n'),
    );
  }
  if (raw.skew) {
    md.push(
      '',
      '### Skewed load (2 workers; 1 in 50 requests blocks its worker 20 ms)',
      '',
      `volley serve, node:cluster and \`pm2 start -i 2\` on bench/servers/apps/skew-*.cjs; wrk -t1 for ${raw.skew.seconds} s per run ` +
        '(the open-loop case: h2load at a fixed rate of fresh connections), no CPU pinning; × node:cluster is the median of ' +
        'per-round ratios; max ms (worst run) is the worst run’s maximum.',
      '',
      skewMarkdown(raw.skew),
    );
  }
  if (raw.h2) {
    md.push(
      '',
      '### HTTP/2 over TLS (hello world, h2load)',
      '',
      `${raw.h2.version}; ALPN negotiated ${raw.h2.protocol}; self-signed EC P-256 certificate. ` +
        (c.serverCpu !== undefined
          ? `Each server pinned to CPU ${c.serverCpu} (\`taskset -c ${c.serverCpu} node bench/servers/h2-<name>.mjs <port> <cert> <key>\`), h2load pinned to CPU ${c.loadCpu}: `
          : 'No CPU pinning: ') +
        `\`${raw.h2.h2load} https://127.0.0.1:PORT/\` (req/s over the ${c.seconds} s main duration; ${c.rounds} interleaved rounds).`,
      '',
      h2Markdown(raw.h2),
    );
  }
  if (raw.fanout) {
    const f = raw.fanout.options;
    md.push(
      '',
      `### Bus fan-out latency (chat example, ${f.clients} WebSocket clients, 2 workers)`,
      '',
      `\`${raw.fanout.command}\` (${raw.fanout.redis.split(' ').slice(0, 3).join(' ')} for the Redis rows, started on loopback per round). ` +
        `${f.clients} clients in one room, each on a fresh connection, split over ${f.procs} receiver process(es) (bench/tools/ws-fanout-client.c, C on epoll); one publisher ` +
        `socket (a \`ws\` client in Node) sends ${f.rate} messages/s for ${f.seconds} s (after ${f.warmupSeconds} s of unrecorded warm-up) with sentAt from ` +
        'CLOCK_MONOTONIC, and every client records receive time − sentAt. No CPU pinning.',
      '',
      fanoutMarkdown(raw.fanout),
    );
  }
  if (raw.seconds !== undefined) md.push('', `(${raw.seconds} s in all)`);
  return `${md.join('\n')}\n`;
}

const out = values.out!;
const jsonOut = `${out.replace(/\.md$/, '')}.json`;

function save(raw: Raw): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(jsonOut, `${JSON.stringify(raw, null, 2)}\n`);
}

async function main(): Promise<void> {
  if (values.render) {
    const text = render(JSON.parse(readFileSync(values.render, 'utf8')) as Raw);
    console.log(text);
    return;
  }
  const started = Date.now();
  log(
    `volley bench: ${cfg.rounds} rounds x ${cfg.seconds} s, ${cfg.connections} connections, ` +
      `${pin ? `servers on CPU ${cfg.serverCpu}, wrk on CPU ${cfg.loadCpu}` : 'no CPU pinning'}; sections: ${[...only].join(', ')}`,
  );
  const raw: Raw = { machine: machine(), config: cfg };
  // The raw runs are saved after every section, so a late failure loses nothing.
  if (only.has('single')) {
    raw.single = await runSingle(cfg);
    save(raw);
  }
  if (only.has('validation')) {
    raw.validation = await runValidation(cfg);
    save(raw);
  }
  if (only.has('instructions')) {
    raw.instructions = await runInstructions(cfg);
    save(raw);
  }
  if (only.has('router')) {
    raw.router = await runRouter(cfg);
    save(raw);
  }
  if (only.has('multi')) {
    raw.multi = await runMulti(cfg);
    save(raw);
  }
  if (only.has('apps')) {
    raw.apps = await runApps(
      cfg,
      values.apps?.split(',').map((a) => a.trim()),
    );
    save(raw);
  }
  if (only.has('skew')) {
    raw.skew = await runSkew(cfg);
    save(raw);
  }
  if (only.has('h2')) {
    raw.h2 = await runH2(cfg);
    save(raw);
  }
  if (only.has('fanout')) {
    raw.fanout = await runFanout(
      cfg,
      Number(values['fanout-procs']),
      Number(values['fanout-clients']),
      Number(values['fanout-poll-us']),
    );
    save(raw);
  }
  raw.seconds = Math.round((Date.now() - started) / 1000);
  save(raw);
  const text = render(raw);
  console.log(`\n${text}`);
  writeFileSync(out, text);
  log(`written: ${out} and ${jsonOut}`);
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    cleanupScripts();
  });
