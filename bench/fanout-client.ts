/**
 * The publisher of the fan-out benchmark (bench/fanout.ts), a child process driven over IPC:
 * one `ws` client that sends chat messages at a steady rate, each stamped with `sentAt` on
 * CLOCK_MONOTONIC in milliseconds (process.hrtime), the clock the receivers
 * (bench/tools/ws-fanout-client.c) read, so the two can be compared across processes.
 */
import WebSocket from 'ws';

export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export type Command = { cmd: 'publish'; url: string; run: string; rate: number; seconds: number } | { cmd: 'close' };

export type Reply =
  | { type: 'published'; sent: number; publishedMs: number; lateSends: number }
  | { type: 'error'; message: string };

const send = (r: Reply) => process.send!(r);

/** One socket publishes `rate` messages a second, on a schedule that does not drift. */
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
  if (c.cmd === 'publish') publish(c.url, c.run, c.rate, c.seconds).catch(fail);
  else if (c.cmd === 'close') setTimeout(() => process.exit(0), 50);
});
process.on('disconnect', () => process.exit(0));
