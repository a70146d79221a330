/**
 * Runs wrk (bounded in time, killed by pid if it overstays) and reads its results through a
 * Lua `done` hook that prints one JSON line, so nothing depends on wrk's human output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, stop } from './procs.js';

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads?: number;
  /** CPU list for `taskset -c`, or undefined for no pinning. */
  cpus?: string | undefined;
  /** Extra request headers (`-H`). */
  headers?: string[];
  /** A request prelude from `luaRequest` (method, body, headers) or undefined for GET. */
  lua?: string;
  /** Ends the run early once this settles (SIGINT: wrk stops and still reports). */
  until?: Promise<unknown>;
}

const REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

/** Lua that makes every request a `method` with this body and content type. */
export function luaRequest(method: string, body: string, contentType: string): string {
  if (body.includes(']==]')) throw new Error('body cannot be embedded in a Lua long string');
  return `wrk.method = "${method}"\nwrk.body = [==[${body}]==]\nwrk.headers["Content-Type"] = "${contentType}"\n`;
}

let dir: string | undefined;
let counter = 0;
function scriptFor(lua: string | undefined): string {
  dir ??= mkdtempSync(join(tmpdir(), 'volley-bench-'));
  const path = join(dir, `s${counter++}.lua`);
  writeFileSync(path, `${lua ?? ''}${REPORT}`);
  return path;
}

export function cleanupScripts(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export function wrkCommand(o: WrkOptions): string[] {
  const args = [
    'wrk',
    `-t${o.threads ?? 1}`,
    `-c${o.connections}`,
    `-d${o.seconds}s`,
    '--timeout',
    '5s',
    ...(o.headers ?? []).flatMap((h) => ['-H', h]),
  ];
  return o.cpus !== undefined ? ['taskset', '-c', o.cpus, ...args] : args;
}

export async function wrk(o: WrkOptions): Promise<WrkResult> {
  const [command, ...args] = [...wrkCommand(o), '-s', scriptFor(o.lua), o.url];
  const p = start(command!, args);
  const interrupt = () => {
    if (p.child.exitCode === null && p.child.signalCode === null) process.kill(p.pid, 'SIGINT');
  };
  o.until?.then(interrupt, interrupt);
  const overstay = setTimeout(() => void stop(p.pid, 1000), (o.seconds + 15) * 1000);
  await p.exited;
  clearTimeout(overstay);
  const code = p.child.exitCode;
  const out = p.output();
  const m = out.match(/WRK_JSON (\{.*\})/);
  if (code !== 0 || !m) throw new Error(`${command} ${args.join(' ')} failed (${code}):\n${out}`);
  const j = JSON.parse(m[1]!) as Record<string, number>;
  const seconds = j.duration_us! / 1e6;
  return {
    requests: j.requests!,
    seconds,
    rps: j.requests! / seconds,
    p50Ms: j.p50_us! / 1000,
    p99Ms: j.p99_us! / 1000,
    maxMs: j.max_us! / 1000,
    errors: { connect: j.connect!, read: j.read!, write: j.write!, status: j.status!, timeout: j.timeout! },
  };
}

export const errorCount = (r: WrkResult) =>
  r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
