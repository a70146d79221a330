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
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export type Command =
  | { cmd: 'connect'; url: string; clients: number; concurrency: number }
  | { cmd: 'record'; run: string }
  | { cmd: 'publish'; url: string; run: string; rate: number; seconds: number }
  | { cmd: 'count' }
  | { cmd: 'collect' }
  | { cmd: 'close' };

export type Reply =
  | { type: 'connected'; workers: Record<string, number>; failed: number; ms: number }
  | { type: 'recording' }
  | { type: 'count'; n: number }
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

const send = (r: Reply) => process.send!(r);

const sockets: Socket[] = [];
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

function record(i: number, text: string, sentAt: number, at: number): void {
  if (seen[i]!.has(text)) {
    duplicates++;
    return;
  }
  seen[i]!.add(text);
  perClient[i]!++;
  if (nLat === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[nLat++] = at - sentAt;
}

/**
 * A receiving client: a minimal WebSocket client on a raw TCP socket (RFC 6455 handshake, then
 * unmasked server frames parsed in place). The receivers are a load generator sharing the
 * machine's two CPUs with the server, so they are kept lean, as wrk is for HTTP: about a third
 * of the CPU per message of the `ws` client. The publisher uses `ws`.
 */
function open(url: string, i: number): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(u.port), u.hostname);
    socket.setNoDelay(true);
    let greeted = false;
    let upgraded = false;
    let buf: Buffer = Buffer.alloc(0);
    const fail = (err: Error) => {
      if (!greeted) reject(err);
      socket.destroy();
    };
    socket.on('connect', () => {
      socket.write(
        `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const at = now();
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
          return fail(new Error(`no upgrade: ${buf.subarray(0, end).toString('latin1')}`));
        }
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      let off = 0;
      for (;;) {
        if (buf.length - off < 2) break;
        const op = buf[off]! & 0x0f;
        let len = buf[off + 1]! & 0x7f;
        let head = 2;
        if (len === 126) {
          if (buf.length - off < 4) break;
          len = buf.readUInt16BE(off + 2);
          head = 4;
        } else if (len === 127) {
          if (buf.length - off < 10) break;
          len = Number(buf.readBigUInt64BE(off + 2));
          head = 10;
        }
        if (buf.length - off < head + len) break;
        const payload = buf.subarray(off + head, off + head + len);
        off += head + len;
        if (op === 1) {
          const text = payload.toString('utf8');
          if (!greeted) {
            const m = JSON.parse(text) as { type?: string; worker?: number };
            if (m.type === 'hello') {
              greeted = true;
              sockets[i] = socket;
              resolve(m.worker ?? 0);
            }
          } else if (run) {
            onText(i, text, at);
          }
        } else if (op === 8) {
          socket.end();
        } else if (op === 9) {
          // A ping: answer with a masked pong (zero mask), same payload (< 126 bytes by RFC).
          const pong = Buffer.alloc(6 + payload.length);
          pong[0] = 0x8a;
          pong[1] = 0x80 | payload.length;
          payload.copy(pong, 6);
          socket.write(pong);
        }
      }
      buf = off === buf.length ? Buffer.alloc(0) : buf.subarray(off);
    });
    socket.on('error', (err) => fail(err));
    socket.on('close', () => {
      if (!greeted) reject(new Error('closed before hello'));
      else closes++;
    });
  });
}

/**
 * A delivered chat message, `{"type":"message","room":..,"from":..,"text":"<run>:<n>","at":..,"sentAt":..}`:
 * its text and sentAt are read by position (no JSON.parse per delivery; the text has no quotes).
 */
function onText(i: number, s: string, at: number): void {
  const t = s.indexOf('"text":"');
  const sa = s.lastIndexOf('"sentAt":');
  if (t < 0 || sa < 0) return;
  const text = s.slice(t + 8, s.indexOf('"', t + 8));
  if (!text.startsWith(run)) return;
  let e = sa + 9;
  while (e < s.length && s[e] !== ',' && s[e] !== '}') e++;
  record(i, text, Number(s.slice(sa + 9, e)), at);
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
      case 'count':
        send({ type: 'count', n: nLat });
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
        for (const socket of sockets) socket?.destroy();
        setTimeout(() => process.exit(0), 50);
        break;
    }
  } catch (err) {
    fail(err);
  }
});
process.on('disconnect', () => process.exit(0));
