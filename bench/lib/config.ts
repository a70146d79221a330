/** Run settings shared by the sections, and small helpers to start servers. */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Config {
  quick: boolean;
  /** CPUs of the machine (nproc). */
  cpus: number;
  rounds: number;
  /** Seconds per measured wrk run. */
  seconds: number;
  /** Seconds of discarded load per server before the first round. */
  warmupSeconds: number;
  connections: number;
  /** CPU for single-process servers (taskset), or undefined when not pinning. */
  serverCpu: string | undefined;
  /** CPU for wrk in the single-process section, or undefined when not pinning. */
  loadCpu: string | undefined;
  /** Measure a run again when other processes took more than this share of the machine. */
  maxNoise: number | undefined;
  /** At most this many extra attempts per run (with maxNoise). */
  retries: number;
  routerRounds: number;
  routerSampleMs: number;
}

/** A port that was free a moment ago (bind to 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** `node <args>`, under `taskset -c cpu` when a CPU is given. */
export function nodeCommand(args: string[], cpu: string | undefined): [string, string[]] {
  return cpu !== undefined ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, args];
}

export async function retry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** Round `r` visits the items rotated by r, so no item always runs first or last. */
export function rotated<T>(items: readonly T[], r: number): T[] {
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
