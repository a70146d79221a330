import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Depot } from '../http/depot.js';
import type { Handler } from '../http/handler.js';
import { StatusError } from '../http/status-error.js';

export interface TimeoutOptions {
  /** Status answered when the time is up: 503 by default (504 or 408 are common too). */
  status?: number;
  /** Detail shown on the error page. Default `the request timed out after <ms> ms`. */
  message?: string;
}

/** The Depot key under which `timeout()` leaves the request's AbortSignal. */
export const SIGNAL_KEY = 'signal';

/**
 * The AbortSignal of the request's `timeout()` hoop(s) (`depot.get<AbortSignal>('signal')`),
 * or undefined when no timeout runs above this handler. Pass it to `fetch`, database
 * drivers, `timers/promises` and so on so their work stops when the time is up.
 */
export function requestSignal(depot: Depot): AbortSignal | undefined {
  return depot.get<AbortSignal>(SIGNAL_KEY);
}

/**
 * A hoop that gives the rest of the chain `ms` milliseconds. When it takes longer, the
 * request is answered with 503 (or `options.status`) through the Catcher, no later handler
 * of the chain starts, whatever the handler still does to the response is discarded
 * (status, headers and body are back to what they were before the chain went in), and,
 * as soon as that answer has been sent, the AbortSignal in the Depot
 * (`requestSignal(depot)`) is aborted with a `TimeoutError`. Nested timeouts combine: the
 * inner signal aborts when either fires.
 */
export function timeout(ms: number, options: TimeoutOptions = {}): Handler {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`timeout needs a positive number of ms, got ${ms}`);
  const status = options.status ?? 503;
  // Checked now (StatusError throws for a status outside 4xx/5xx), not on the first timeout.
  new StatusError(status);
  const message = options.message ?? `the request timed out after ${ms} ms`;
  return async (_req, res, depot, ctrl) => {
    const controller = new AbortController();
    const outer = depot.get<AbortSignal>(SIGNAL_KEY);
    const signal =
      outer && typeof AbortSignal.any === 'function' ? AbortSignal.any([outer, controller.signal]) : controller.signal;
    depot.insert(SIGNAL_KEY, signal);
    const statusBefore = res.statusCode;
    const headersBefore = { ...res.headers };
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, ms, 'timeout');
      timer.unref(); // the server keeps the process alive; a pending timeout need not
    });
    let outcome: 'done' | 'timeout';
    try {
      outcome = await Promise.race([ctrl.callNext().then(() => 'done' as const), expired]);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'done') return;
    // Time is up: stop the chain, put the response back as it was, and tell the handler.
    ctrl.skipRest();
    const abort = () => controller.abort(new DOMException(message, 'TimeoutError'));
    const raw = res.raw as ServerResponse;
    if (res.headersSent) {
      abort(); // the handler wrote to res.raw itself; nothing to take back
      return;
    }
    // The abort waits until the 503 is on its way: a handler that reacts to it at once
    // would otherwise still be able to change the response before it is sent.
    raw.once('finish', abort);
    raw.once('close', abort);
    const partial = res.body;
    if (partial instanceof Readable) partial.destroy();
    res.setBody(undefined);
    for (const name of Object.keys(res.headers)) delete res.headers[name];
    Object.assign(res.headers, headersBefore);
    res.statusCode = statusBefore;
    res.status(status);
    res.error = new StatusError(status, message);
  };
}
