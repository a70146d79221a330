/**
 * A child process of the fan-out benchmark (bench/fanout.ts), driven over IPC: it opens its
 * share of the chat WebSocket clients (each on a fresh TCP connection, so the kernel spreads
 * them over the workers), can run the publisher, and records the delivery latency of every
 * message each client receives.
 *
 * Clock: `now()` is CLOCK_MONOTONIC in milliseconds (process.hrtime), which is performance.now()
 * plus a per-process constant. In one process the two are interchangeable; unlike
 * performance.now(), it is the same clock in every process of the machine, so a sentAt taken in
 * the publisher's process can be compared with a receive time taken in another child.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export type Command =
  | { cmd: 'connect'; url: string; clients: number; concurrency: number }
  | { cmd: 'record'; run: string }
  | { cmd: 'publish'; url: string; run: string; rate: number; seconds: number }
  | { cmd: 'collect' }
  | { cmd: 'close' };

export type Reply =
  | { type: 'connected'; workers: Record<string, number>; failed: number; ms: number }
  | { type: 'recording' }
  | { type: 'published'; sent: number; publishedMs: number; lateSends: number }
  | {
      type: 'collected';
      latencies: Float64Array;
      /** Messages of the recorded run each client received (counts per client). */
      perClient: number[];
      duplicates: number;
      closes: number;
      /** Event-loop utilisation of this child while recording (0-1). */
      elu: number;
      cpuMs: number;
    }
  | { type: 'error'; message: string };

interface Msg {
  type: string;
  text?: string;
  sentAt?: number;
}

const send = (r: Reply) => process.send!(r);

const sockets: WebSocket[] = [];
let closes = 0;
/** Only messages whose text starts with `${run}:` are recorded. */
let run = '';
let latencies = new Float64Array(1 << 20);
let nLat = 0;
let perClient: number[] = [];
let seen: Set<string>[] = [];
let duplicates = 0;
let eluStart = performance.eventLoopUtilization();
let cpuStart = process.cpuUsage();

function record(i: number, m: Msg, at: number): void {
  if (m.type !== 'message' || typeof m.sentAt !== 'number' || !m.text?.startsWith(run)) return;
  if (seen[i]!.has(m.text)) {
    duplicates++;
    return;
  }
  seen[i]!.add(m.text);
  perClient[i]!++;
  if (nLat === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[nLat++] = at - m.sentAt;
}

function open(url: string, i: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let greeted = false;
    ws.on('message', (data) => {
      const at = now();
      const m = JSON.parse(String(data)) as Msg & { worker?: number };
      if (!greeted && m.type === 'hello') {
        greeted = true;
        sockets[i] = ws;
        resolve(m.worker ?? 0);
        return;
      }
      if (run) record(i, m, at);
    });
    ws.on('error', (err) => {
      if (!greeted) reject(err);
    });
    ws.on('close', () => {
      if (!greeted) reject(new Error('closed before hello'));
      else closes++;
    });
  });
}

async function connect(url: string, clients: number, concurrency: number): Promise<void> {
  const started = now();
  const workers: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  perClient = new Array(clients).fill(0);
  seen = Array.from({ length: clients }, () => new Set<string>());
  const lane = async () => {
    while (next < clients) {
      const i = next++;
      try {
        const w = await open(url, i);
        workers[String(w)] = (workers[String(w)] ?? 0) + 1;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  send({ type: 'connected', workers, failed, ms: now() - started });
}

/** One extra socket publishes `rate` messages a second, on a schedule that does not drift. */
async function publish(url: string, runId: string, rate: number, seconds: number): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve()); // the hello
    ws.once('error', reject);
  });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const t0 = now();
  let sent = 0;
  let lateSends = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const t = now();
      // Send every message that is due (more than one only if the loop was late).
      let due = Math.min(total, Math.floor((t - t0) / interval) + 1);
      if (due - sent > 1) lateSends += due - sent - 1;
      for (; sent < due; sent++) {
        ws.send(JSON.stringify({ text: `${runId}:${sent}`, from: 'bench', sentAt: now() }));
      }
      if (sent >= total) return resolve();
      due = sent; // the next message is number `sent`
      setTimeout(tick, Math.max(0, t0 + due * interval - now()));
    };
    tick();
  });
  const publishedMs = now() - t0;
  ws.close();
  send({ type: 'published', sent, publishedMs, lateSends });
}

process.on('message', (c: Command) => {
  const fail = (err: unknown) => send({ type: 'error', message: (err as Error)?.stack ?? String(err) });
  try {
    switch (c.cmd) {
      case 'connect':
        connect(c.url, c.clients, c.concurrency).catch(fail);
        break;
      case 'record':
        run = `${c.run}:`;
        nLat = 0;
        duplicates = 0;
        closes = 0;
        perClient.fill(0);
        for (const s of seen) s.clear();
        eluStart = performance.eventLoopUtilization();
        cpuStart = process.cpuUsage();
        send({ type: 'recording' });
        break;
      case 'publish':
        publish(c.url, c.run, c.rate, c.seconds).catch(fail);
        break;
      case 'collect': {
        const elu = performance.eventLoopUtilization(eluStart).utilization;
        const cpu = process.cpuUsage(cpuStart);
        send({
          type: 'collected',
          latencies: latencies.slice(0, nLat),
          perClient: [...perClient],
          duplicates,
          closes,
          elu,
          cpuMs: (cpu.user + cpu.system) / 1000,
        });
        run = '';
        break;
      }
      case 'close':
        for (const ws of sockets) ws?.terminate();
        setTimeout(() => process.exit(0), 50);
        break;
    }
  } catch (err) {
    fail(err);
  }
});
process.on('disconnect', () => process.exit(0));
