/**
 * wrk as a test load: bounded in time (its -d, and killed by pid if it overstays; `until` ends
 * it sooner, as Ctrl-C does, and wrk still reports), results read
 * through a Lua `done` hook that prints one JSON line. `nonOk` counts every response whose
 * status is not 2xx (wrk's own status counter starts at 400). wrk is a Debian package that
 * .ci/run installs; a machine without it fails the test with a message saying so.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  requests: number;
  /** Responses that were not 2xx. */
  nonOk: number;
  /** Socket errors: connect, read, write, timeout. */
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** wrk's output, for assertion messages. */
  output: string;
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  /** `Connection: close`: a new TCP connection per request. */
  churn?: boolean;
  /** Ends the load early (SIGINT: wrk stops and reports) once this settles. */
  until?: Promise<unknown>;
}

// Each wrk thread runs its own Lua state: `response` counts in the thread's global non_ok,
// and `done` (in the main state) sums them through the thread objects `setup` collected.
const SCRIPT = `
local threads = {}
setup = function(thread) table.insert(threads, thread) end
non_ok = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then non_ok = non_ok + 1 end
end
done = function(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non_ok") end
  local e = summary.errors
  io.write(string.format('\\nWRK_JSON {"requests":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"nonOk":%d}\\n',
    summary.requests, e.connect, e.read, e.write, e.timeout, n))
end
`;

export function wrk(o: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'volley-wrk-'));
  const script = join(dir, 'report.lua');
  writeFileSync(script, SCRIPT);
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '-s', script];
  if (o.churn) args.push('-H', 'Connection: close');
  args.push(o.url);
  return new Promise<WrkResult>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const interrupt = () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGINT');
    };
    o.until?.then(interrupt, interrupt);
    const overstay = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), (o.seconds + 15) * 1000);
    child.once('error', (err) => {
      clearTimeout(overstay);
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`wrk could not start (${err.message}); install the Debian package wrk`));
    });
    child.once('close', (code) => {
      clearTimeout(overstay);
      rmSync(dir, { recursive: true, force: true });
      const m = /WRK_JSON (\{.*\})/.exec(output);
      if (code !== 0 || !m) {
        reject(new Error(`wrk ${args.join(' ')} failed (${code}):\n${output}`));
        return;
      }
      const j = JSON.parse(m[1]!) as Record<string, number>;
      resolve({
        requests: j.requests!,
        nonOk: j.nonOk!,
        socketErrors: { connect: j.connect!, read: j.read!, write: j.write!, timeout: j.timeout! },
        output,
      });
    });
  });
}

export const socketErrorCount = (r: WrkResult) =>
  r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout;
