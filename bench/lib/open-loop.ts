/**
 * Open-loop load: fresh connections at a fixed rate, whatever the server answers, with h2load
 * (`--rate`, HTTP/1.1, one request per connection). wrk is closed-loop: each of its connections
 * waits for its answer before the next request, so a faster server is offered more load, and
 * with an app that blocks every Nth request it also runs more blocks a second. Its slowest
 * request then grows with its own throughput. At one offered load for every server the latency
 * tail compares what each does with the same connections.
 *
 * h2load writes every request's duration to a log file (`--log-file`); the percentiles come
 * from there, not from its summary (which has no p99).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, stop } from './procs.js';
import type { WrkResult } from './wrk.js';

export interface OpenLoopOptions {
  url: string;
  /** New connections a millisecond (h2load's --rate over a 1 ms --rate-period). */
  perMs: number;
  seconds: number;
}

export interface OpenLoopResult extends WrkResult {
  p999Ms: number;
}

function openLoopCommand(o: OpenLoopOptions, logFile: string): string[] {
  const total = String(Math.round(o.perMs * o.seconds * 1000));
  return [
    'h2load',
    '--h1',
    '-t',
    '1',
    '-n',
    total,
    '-c',
    total,
    '-r',
    String(o.perMs),
    '--rate-period',
    '1ms',
    '--log-file',
    logFile,
    o.url,
  ];
}

/** The q-quantile of ascending `sorted` (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Reads h2load's --log-file (start µs since the epoch, status, duration µs; tab-separated). */
function parseRequestLog(text: string): { startsUs: number[]; durationsMs: number[]; statuses: number[] } {
  const startsUs: number[] = [];
  const durationsMs: number[] = [];
  const statuses: number[] = [];
  for (const line of text.split('\n')) {
    const [start, status, duration] = line.split('\t');
    if (duration === undefined) continue;
    startsUs.push(Number(start));
    statuses.push(Number(status));
    durationsMs.push(Number(duration) / 1000);
  }
  return { startsUs, durationsMs, statuses };
}

/** Whether h2load (Debian's nghttp2-client) is on the PATH: the open-loop case and section h2 need it. */
export function hasH2load(): boolean {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const dir = mkdtempSync(join(tmpdir(), 'volley-bench-open-loop-'));
  try {
    const logFile = join(dir, 'requests.tsv');
    const [command, ...args] = openLoopCommand(o, logFile);
    const p = start(command!, args);
    const overstay = setTimeout(() => void stop(p.pid, 1000), (o.seconds + 15) * 1000);
    await p.exited;
    clearTimeout(overstay);
    const out = p.output();
    const summary = out.match(/requests: (\d+) total/);
    if (p.child.exitCode !== 0 || !summary) {
      throw new Error(`${command} ${args.join(' ')} failed (${p.child.exitCode}):\n${out}`);
    }
    const { startsUs, durationsMs, statuses } = parseRequestLog(readFileSync(logFile, 'utf8'));
    const sorted = [...durationsMs].sort((a, b) => a - b);
    const first = Math.min(...startsUs);
    const last = Math.max(...startsUs.map((s, i) => s + durationsMs[i]! * 1000));
    const seconds = (last - first) / 1e6;
    const total = Number(summary[1]);
    return {
      requests: durationsMs.length,
      seconds,
      rps: durationsMs.length / seconds,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      p999Ms: quantile(sorted, 0.999),
      maxMs: sorted.at(-1) ?? Number.NaN,
      errors: {
        // h2load logs a request once answered: the others failed to connect, broke or timed out.
        connect: total - durationsMs.length,
        read: 0,
        write: 0,
        status: statuses.filter((s) => s !== 200).length,
        timeout: 0,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
