/**
 * `volley top`: a live view of a running primary, refreshed every second from its admin
 * endpoint (GET /status and GET /metrics). Sampling and the numbers are in top-stats.ts, the
 * screen in top-render.ts (pure, unit-tested); this file is the terminal: alternate screen,
 * redraw in place, keys, signals, and putting the terminal back as it was.
 */
import { parseArgs } from 'node:util';
import type { SupervisorStatus } from '../cluster/primary/supervisor.js';
import { UsageError } from '../errors.js';
import { callAdmin } from './admin-client.js';
import { parsePrometheusText } from './prom-text.js';
import { renderTop, type TopView } from './top-render.js';
import { computeRates, type Snapshot, snapshotFrom } from './top-stats.js';

/** How many refreshes the sparkline remembers. */
const HISTORY = 60;

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, hide cursor
const LEAVE = '\x1b[?25h\x1b[?1049l'; // show cursor, main screen back
const HOME = '\x1b[H'; // cursor to the top left
const CLEAR_LINE = '\x1b[K'; // clear to the end of the line
const CLEAR_BELOW = '\x1b[J'; // clear to the end of the screen

export interface TopOptions {
  admin: string;
  token?: string;
  intervalMs: number;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One sample of the admin endpoint. Throws when /status cannot be read; /metrics is optional. */
async function sample(options: TopOptions): Promise<Snapshot> {
  const timeoutMs = Math.max(3000, 2 * options.intervalMs);
  const where = `the admin endpoint at ${options.admin}`;
  const [status, metrics] = await Promise.all([
    withTimeout(callAdmin(options.admin, 'GET', '/status', options.token), timeoutMs, where),
    withTimeout(callAdmin(options.admin, 'GET', '/metrics', options.token), timeoutMs, where).catch(() => undefined),
  ]);
  if (status.status !== 200 || typeof status.body !== 'object' || status.body === null) {
    throw new Error(`${where} answered ${status.status} to GET /status`);
  }
  const samples = metrics?.status === 200 && typeof metrics.body === 'string' ? parsePrometheusText(metrics.body) : [];
  return snapshotFrom(Date.now(), status.body as SupervisorStatus, samples);
}

/** Runs the live view until q, Ctrl-C or a signal; resolves with the exit code. */
export async function runTop(options: TopOptions): Promise<number> {
  const { input, output } = options;
  let prev: Snapshot;
  try {
    prev = await sample(options);
  } catch (err) {
    console.error(`volley top: ${(err as Error).message}`);
    return 1;
  }
  const history: number[] = [];
  const first = computeRates(undefined, prev);
  let view: TopView = {
    admin: options.admin,
    status: prev.status,
    intervalMs: options.intervalMs,
    history,
    ...first,
  };

  const tty = output.isTTY === true;
  const draw = () => {
    const frame = renderTop(view, output.columns ?? 80, tty ? (output.rows ?? 24) : Number.POSITIVE_INFINITY);
    if (tty) output.write(`${HOME}${frame.split('\n').join(`${CLEAR_LINE}\r\n`)}${CLEAR_LINE}${CLEAR_BELOW}`);
    else output.write(`${frame}\n\n`);
  };

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (input.isTTY) input.setRawMode(false);
    if (tty) output.write(LEAVE);
  };

  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const quit = (code: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      input.off('data', onKey);
      input.pause();
      output.off('resize', draw);
      for (const [signal, handler] of handlers) process.off(signal, handler);
      process.off('exit', restore);
      restore();
      resolve(code);
    };
    const onKey = (data: Buffer | string) => {
      const keys = data.toString();
      if (keys.includes('q') || keys.includes('Q') || keys.includes('\x03')) quit(0);
    };
    const handlers: [NodeJS.Signals, () => void][] = [
      ['SIGINT', () => quit(130)],
      ['SIGTERM', () => quit(143)],
      ['SIGHUP', () => quit(129)],
    ];
    for (const [signal, handler] of handlers) process.on(signal, handler);
    // Should anything throw past us, the terminal still gets its screen and cursor back.
    process.on('exit', restore);

    if (input.isTTY) input.setRawMode(true);
    input.on('data', onKey);
    input.resume();
    if (tty) {
      output.write(ENTER);
      output.on('resize', draw);
    }
    draw();

    let next = Date.now() + options.intervalMs;
    const tick = async () => {
      try {
        const cur = await sample(options);
        const rates = computeRates(prev, cur);
        if (rates.totalRps !== undefined) {
          history.push(rates.totalRps);
          if (history.length > HISTORY) history.shift();
        }
        view = { admin: options.admin, status: cur.status, intervalMs: options.intervalMs, history, ...rates };
        prev = cur;
      } catch (err) {
        // Keep the last good numbers on screen and say why they are not moving.
        view = { ...view, error: `${(err as Error).message} (retrying)` };
      }
      if (done) return;
      draw();
      next = Math.max(next + options.intervalMs, Date.now() + 100);
      timer = setTimeout(tick, next - Date.now());
    };
    timer = setTimeout(tick, next - Date.now());
  });
}

/** `volley top [--admin ADDR] [--admin-token T] [--interval MS]` */
export async function topCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { admin: { type: 'string' }, 'admin-token': { type: 'string' }, interval: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError('volley top takes no arguments');
  const admin = values.admin ?? process.env.VOLLEY_ADMIN;
  if (!admin) throw new UsageError('volley top needs --admin ADDR (or $VOLLEY_ADMIN) of the running server');
  const interval = values.interval ?? '1000';
  if (!/^\d+$/.test(interval) || Number(interval) < 100) {
    throw new UsageError(`--interval expects milliseconds >= 100, got '${interval}'`);
  }
  const token = values['admin-token'] ?? process.env.VOLLEY_ADMIN_TOKEN;
  return runTop({
    admin,
    ...(token !== undefined ? { token } : {}),
    intervalMs: Number(interval),
    input: process.stdin,
    output: process.stdout,
  });
}
