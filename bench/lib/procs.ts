/**
 * Every process the benchmark starts is registered here and stopped by pid: SIGTERM, then
 * SIGKILL after a grace period. Also on error, on SIGINT/SIGTERM of the harness, and (as a
 * last resort, synchronously) at exit. Never by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Started {
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout and stderr so far (for error messages). */
  output(): string;
  /** Resolves with the first output line matching `pattern`; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves once the process exited and its output pipes closed. */
  readonly exited: Promise<void>;
}

const children = new Map<number, ChildProcess>();
/** Pids we did not spawn ourselves but must not leave behind (workers of a supervisor). */
const adopted = new Set<number>();

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  children.set(pid, child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.once('exit', () => {
    children.delete(pid);
    for (const w of waiters) w();
  });
  // 'close' comes after 'exit' once stdout/stderr are drained (all output is in).
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    pid,
    child,
    exited,
    output: () => out,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}):\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${command} ${args.join(' ')}: no ${pattern} within ${timeoutMs} ms:\n${out}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Remember a pid this harness did not spawn (a worker) so cleanup stops it too. */
export function adopt(pid: number): void {
  adopted.add(pid);
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves when the pid is gone. */
export async function stop(pid: number, graceMs = 3000): Promise<void> {
  const child = children.get(pid);
  const gone = () => (child ? child.exitCode !== null || child.signalCode !== null : !alive(pid));
  if (gone()) {
    adopted.delete(pid);
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const deadline = Date.now() + graceMs;
  while (!gone() && Date.now() < deadline) await sleep(20);
  if (!gone()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    while (!gone()) await sleep(20);
  }
  adopted.delete(pid);
}

/** Stop every process this harness started or adopted. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children.keys()].map((pid) => stop(pid)));
  await Promise.all([...adopted].map((pid) => stop(pid, 1000)));
}

let installed = false;
/** Clean up on SIGINT/SIGTERM and, synchronously with SIGKILL, at any exit. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping every process the benchmark started`);
    stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const pid of [...children.keys(), ...adopted]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}
