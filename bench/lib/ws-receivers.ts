/**
 * The fan-out benchmark's receiving WebSocket clients: bench/tools/ws-fanout-client.c, built
 * here with the system C compiler on first use (it is a load generator, like wrk, so it lives
 * outside the npm build), driven one command line at a time over stdin/stdout.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { adopt, stop } from './procs.js';

const SOURCE = 'bench/tools/ws-fanout-client.c';
const BINARY = 'dist/bench/tools/ws-fanout-client';

/** Compiles the receiver when it is missing or older than its source; returns its path. */
export function buildReceiver(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync('dist/bench/tools', { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-Wall', '-o', BINARY, SOURCE], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('a C compiler is required for --only fanout (apt install build-essential)');
    }
    throw err;
  }
  return BINARY;
}

export type ReceiverReply =
  | { type: 'connected'; workers: Record<string, number>; failed: number; ms: number }
  | { type: 'recording' }
  | { type: 'count'; n: number }
  | {
      type: 'collected';
      n: number;
      duplicates: number;
      closes: number;
      cpuMs: number;
      /** Messages of the recorded run each client received. */
      perClient: number[];
    }
  | { type: 'error'; message: string };

export interface Collected {
  latencies: Float64Array;
  perClient: number[];
  duplicates: number;
  closes: number;
}

/** One receiver process holding a share of the clients. */
export class Receivers {
  readonly child: ChildProcess;
  readonly pid: number;
  #waiting: { type: ReceiverReply['type']; resolve: (r: ReceiverReply) => void; reject: (e: Error) => void }[] = [];
  #stderr = '';

  /** `pollUs`: the receivers' pause between two batches of ready sockets (see the C source). */
  constructor(binary: string, pollUs: number) {
    this.child = spawn(binary, [String(pollUs)], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error('could not start the fan-out receivers');
    this.pid = this.child.pid;
    adopt(this.pid);
    this.child.stderr!.on('data', (c: Buffer) => {
      this.#stderr = (this.#stderr + c.toString()).slice(-5000);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const r = JSON.parse(line) as ReceiverReply;
      if (r.type === 'error') {
        for (const w of this.#waiting.splice(0)) w.reject(new Error(`receivers ${this.pid}: ${r.message}`));
        return;
      }
      const i = this.#waiting.findIndex((w) => w.type === r.type);
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve(r);
    });
    this.child.once('exit', (code, signal) => {
      for (const w of this.#waiting.splice(0)) {
        w.reject(new Error(`receivers ${this.pid} exited (${code ?? signal}): ${this.#stderr}`));
      }
    });
  }

  #ask<T extends ReceiverReply['type']>(
    command: string,
    type: T,
    timeoutMs: number,
  ): Promise<Extract<ReceiverReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receivers ${this.pid}: no ${type} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiting.push({
        type,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as Extract<ReceiverReply, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin!.write(`${command}\n`);
    });
  }

  /** Opens `clients` WebSocket connections to `url` (ws://127.0.0.1:PORT/path), `concurrency` at a time. */
  connect(url: string, clients: number, concurrency: number) {
    const u = new URL(url);
    return this.#ask(`connect ${u.hostname} ${u.port} ${u.pathname} ${clients} ${concurrency}`, 'connected', 60_000);
  }

  /** From now on, records messages whose text starts with `${run}:`. */
  record(run: string) {
    return this.#ask(`record ${run}`, 'recording', 10_000);
  }

  async count(): Promise<number> {
    return (await this.#ask('count', 'count', 10_000)).n;
  }

  async collect(): Promise<Collected> {
    const file = join(tmpdir(), `volley-fanout-${this.pid}-${Date.now()}.bin`);
    try {
      const r = await this.#ask(`collect ${file}`, 'collected', 60_000);
      const bytes = readFileSync(file);
      // Copied into a fresh buffer: the file's bytes need not be 8-byte aligned in their Buffer.
      const latencies = new Float64Array(Uint8Array.prototype.slice.call(bytes).buffer);
      if (latencies.length !== r.n)
        throw new Error(`receivers ${this.pid}: ${latencies.length} latencies, said ${r.n}`);
      return { latencies, perClient: r.perClient, duplicates: r.duplicates, closes: r.closes };
    } finally {
      rmSync(file, { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin!.end('close\n');
    await stop(this.pid, 2000);
  }
}
