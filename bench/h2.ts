/**
 * Section h2 (issue 7): Volley over HTTP/2 with TLS against raw node:http2 (createSecureServer,
 * the same hello handler through the compatibility API), one process each, measured with h2load
 * (Debian's nghttp2-client), interleaved rounds, medians over rounds. A third row, node:http2 with
 * the core stream API, is the ceiling (no request/response objects at all), not a peer.
 * Servers are pinned to one CPU and h2load to the other when possible. The certificate is a
 * throw-away self-signed one (selfsigned), written to a temp dir and removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { type Config, freePort, log, nodeCommand, rotated } from './lib/config.js';
import { cpuWindowEnd, cpuWindowStart, ticksPerSecond } from './lib/cpu.js';
import { hasH2load } from './lib/open-loop.js';
import { type Started, start, stop } from './lib/procs.js';
import { entry, fixed, int, markdownTable, median, pct, perRoundRatio, ratio, spread } from './lib/stats.js';
import { noiseNote, quietest } from './single.js';

export const H2_SERVERS = [
  { name: 'node:http2', script: 'bench/servers/h2-node.mjs' },
  { name: 'Volley', script: 'bench/servers/h2-volley.mjs' },
  { name: 'node:http2 stream API', script: 'bench/servers/h2-node-stream.mjs' },
] as const;
const BASE = 'node:http2';

/** h2load clients (TLS connections) and concurrent streams per connection. */
const CLIENTS = 16;
const STREAMS = 10;

export interface H2Run {
  requests: number;
  failed: number;
  seconds: number;
  rps: number;
  meanMs: number;
  maxMs: number;
  /** CPU time the server used during the run (seconds), and other processes' share of the machine. */
  serverCpuSeconds?: number;
  otherShare?: number;
}

export interface H2Results {
  h2load: string;
  version: string;
  protocol: string;
  runs: Record<string, H2Run[]>;
}

function h2loadArgs(seconds: number, warmup: number, cpus: string | undefined): string[] {
  const args = ['h2load', '-D', String(seconds), ...(warmup > 0 ? ['--warm-up-time', String(warmup)] : [])];
  args.push('-c', String(CLIENTS));
  args.push('-m', String(STREAMS), '-t', '1');
  return cpus !== undefined ? ['taskset', '-c', cpus, ...args] : args;
}

/** "12.34ms" / "905us" / "1.2s" → ms */
function toMs(s: string): number {
  const m = s.match(/^([\d.]+)(us|ms|s)$/);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : v * 1000;
}

async function h2load(url: string, seconds: number, warmup: number, cpus: string | undefined) {
  const [command, ...args] = [...h2loadArgs(seconds, warmup, cpus), url];
  const p = start(command!, args);
  const overstay = setTimeout(() => void stop(p.pid, 1000), (seconds + warmup + 15) * 1000);
  await p.exited;
  clearTimeout(overstay);
  const out = p.output();
  const fin = out.match(/finished in ([\d.]+)s, ([\d.]+) req\/s/);
  const req = out.match(/requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/);
  const lat = out.match(/time for request:\s+(\S+)\s+(\S+)\s+(\S+)/);
  const proto = out.match(/Application protocol: (\S+)/)?.[1] ?? '?';
  if (p.child.exitCode !== 0 || !fin || !req || !lat) {
    throw new Error(`${command} ${args.join(' ')} failed (${p.child.exitCode}):\n${out.slice(-3000)}`);
  }
  const succeeded = Number(req[3]);
  const rps = Number(fin[2]);
  const run: H2Run = {
    requests: succeeded,
    failed: Number(req[4]) + Number(req[5]),
    seconds,
    rps,
    meanMs: toMs(lat[3]!),
    maxMs: toMs(lat[2]!),
  };
  return { run, proto };
}

/** A self-signed localhost certificate (EC P-256) in a temp dir. */
async function makeCert(): Promise<{ cert: string; key: string; remove(): void }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'volley-bench-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private);
  return { cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function checkH2load(): void {
  if (!hasH2load()) throw new Error('h2load is required for --only h2 (apt install nghttp2-client)');
}

export async function runH2(cfg: Config): Promise<H2Results> {
  checkH2load();
  const version = execFileSync('h2load', ['--version'], { encoding: 'utf8' }).trim();
  const out: H2Results = {
    h2load: h2loadArgs(cfg.seconds, 0, cfg.loadCpu).join(' '),
    version,
    protocol: '?',
    runs: {},
  };
  log(`\n[h2] hello world over HTTP/2 + TLS, h2load -c ${CLIENTS} -m ${STREAMS}`);
  const cert = await makeCert();
  const servers: { name: string; port: number; proc: Started }[] = [];
  try {
    for (const s of H2_SERVERS) {
      const port = await freePort();
      const [cmd, args] = nodeCommand([s.script, String(port), cert.cert, cert.key], cfg.serverCpu);
      const proc = start(cmd, args);
      servers.push({ name: s.name, port, proc });
      await proc.waitFor(/listening \d+/, 15_000);
    }
    // Check every answer over h2 first (h2load counts any 2xx as success, so check the body).
    for (const sv of servers) await checkAnswer(sv.name, sv.port, cert.cert);
    const url = (port: number) => `https://127.0.0.1:${port}/`;
    // Warm-up: a discarded timed run per server (its own 1 s h2load warm-up included). Longer
    // than the HTTP/1.1 sections' (throughput kept rising over the first ~10 s of load here).
    const warmup = cfg.quick ? cfg.warmupSeconds : Math.max(cfg.warmupSeconds, 5);
    for (const sv of servers) {
      const { proto } = await h2load(url(sv.port), warmup, 1, cfg.loadCpu);
      if (proto !== 'h2') throw new Error(`${sv.name}: h2load negotiated ${proto}, not h2`);
      out.protocol = proto;
    }
    for (let r = 0; r < cfg.rounds; r++) {
      const line: string[] = [];
      for (const sv of rotated(servers, r)) {
        const run = await quietest(cfg, sv.name, async () => {
          const window = cpuWindowStart([sv.proc.pid]);
          // No h2load warm-up here (the servers were warmed up above), so every request the
          // server answered during the CPU window is counted: CPU per request is exact.
          const { run } = await h2load(url(sv.port), cfg.seconds, 0, cfg.loadCpu);
          const usage = cpuWindowEnd(window, cfg.cpus);
          run.serverCpuSeconds = usage.perPid.get(sv.proc.pid)! / ticksPerSecond();
          run.otherShare = usage.otherShare;
          return run;
        });
        if (run.failed > 0) log(`  ${sv.name}: ${run.failed} failed/errored requests`);
        entry(out.runs, sv.name, (): H2Run[] => []).push(run);
        line.push(`${sv.name} ${int(run.rps)}`);
      }
      log(`  round ${r + 1}/${cfg.rounds}: ${line.join(', ')}`);
    }
  } finally {
    await Promise.all(servers.map((sv) => stop(sv.proc.pid)));
    cert.remove();
  }
  return out;
}

async function checkAnswer(name: string, port: number, certPath: string): Promise<void> {
  const session = connect(`https://127.0.0.1:${port}`, { ca: readFileSync(certPath) });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      session.once('error', reject);
      const req = session.request({ ':path': '/' });
      let data = '';
      let status = 0;
      req.on('response', (h) => {
        status = Number(h[':status']);
      });
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        data += c;
      });
      req.on('end', () => (status === 200 ? resolve(data) : reject(new Error(`status ${status}`))));
      req.on('error', reject);
      req.end();
    });
    if (body !== 'Hello World') throw new Error(`answered ${body.slice(0, 100)}`);
  } catch (err) {
    throw new Error(`${name} over h2: ${(err as Error).message}`);
  } finally {
    session.close();
  }
}

const perRound = (a: readonly H2Run[], b: readonly H2Run[]) => perRoundRatio(a, b, (r) => r.rps);

/** Server CPU time per request in µs: less sensitive to other load on the machine than req/s. */
const cpuPerRequest = (r: H2Run) => ((r.serverCpuSeconds ?? Number.NaN) * 1e6) / r.requests;

export function h2Ratio(res: H2Results): { medians: number; perRound: number } {
  const v = res.runs.Volley ?? [];
  const b = res.runs[BASE] ?? [];
  return { medians: median(v.map((r) => r.rps)) / median(b.map((r) => r.rps)), perRound: perRound(v, b) };
}

export function h2Markdown(res: H2Results): string {
  const baseRuns = res.runs[BASE] ?? [];
  const base = median(baseRuns.map((r) => r.rps));
  const noise: number[] = [];
  const rows = H2_SERVERS.filter((s) => res.runs[s.name]).map((s) => {
    const runs = res.runs[s.name]!;
    const rps = runs.map((r) => r.rps);
    for (const r of runs) if (r.otherShare !== undefined) noise.push(r.otherShare);
    return [
      s.name,
      int(median(rps)),
      spread(rps),
      int(Math.max(...rps)),
      fixed(median(runs.map((r) => r.meanMs))),
      ratio(median(rps) / base),
      ratio(perRound(runs, baseRuns)),
      fixed(median(runs.map(cpuPerRequest)), 1),
      pct(median(runs.map((r) => (r.serverCpuSeconds ?? Number.NaN) / r.seconds)), 0),
      String(runs.reduce((a, r) => a + r.failed, 0)),
    ];
  });
  const table = markdownTable(
    [
      'server',
      'req/s median',
      'spread',
      'req/s best',
      'mean latency ms',
      '× node:http2',
      '× node:http2 per round',
      'CPU µs/req',
      'server CPU',
      'failed',
    ],
    rows,
  );
  const r = h2Ratio(res);
  const cpu = (name: string) => median((res.runs[name] ?? []).map(cpuPerRequest));
  const target =
    `Target (issue 7): Volley ≥ 0.95× node:http2 — **${ratio(r.medians)}** (ratio of medians), ${ratio(r.perRound)} (median of per-round ratios): ${r.medians >= 0.95 ? 'met' : 'NOT met'}. ` +
    `In server CPU per request, which other load on the machine disturbs less, Volley is ${ratio(cpu(BASE) / cpu('Volley'))} node:http2's efficiency.`;
  return [table, noiseNote(noise), target].filter(Boolean).join('\n\n');
}
