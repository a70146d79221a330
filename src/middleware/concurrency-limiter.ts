import type { ServerResponse } from 'node:http';
import type { Handler } from '../http/handler.js';
import { StatusError } from '../http/status-error.js';

export interface ConcurrencyLimiterOptions {
  /**
   * How many requests may wait (first in, first out) for a free slot when all `n` are
   * taken. Default 0: a request over the limit is refused at once.
   */
  maxQueue?: number;
  /** The longest a queued request waits, in ms, before it is refused. Default: no limit. */
  queueTimeout?: number;
  /** Status for a refused request. Default 503. */
  status?: number;
  /** `Retry-After` (seconds) sent with a refusal. Default: none. */
  retryAfter?: number;
}

interface Waiter {
  wake: (admitted: boolean) => void;
}

/**
 * A hoop that lets at most `n` requests run the rest of the chain at once. A request over
 * the limit waits in a queue of at most `maxQueue` (default 0), else, or after
 * `queueTimeout` ms, gets 503. A queued request whose client went away leaves the queue.
 * The slot is held until the rest of the chain has finished (a streamed body is sent
 * after that, outside the limit). The count is per hoop instance and per process: under
 * `volley serve --workers N` each worker admits `n`.
 */
export function concurrencyLimiter(n: number, options: ConcurrencyLimiterOptions = {}): Handler {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`concurrencyLimiter needs a positive integer, got ${n}`);
  const maxQueue = options.maxQueue ?? 0;
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) throw new RangeError(`maxQueue must be >= 0, got ${maxQueue}`);
  const status = options.status ?? 503;
  new StatusError(status); // a status outside 4xx/5xx throws here, not per request
  let active = 0;
  const queue: Waiter[] = [];

  const release = () => {
    const next = queue.shift();
    if (next)
      next.wake(true); // the slot passes straight to the next in line
    else active--;
  };

  const refuse = (res: Parameters<Handler>[1]) => {
    if (options.retryAfter !== undefined) res.header('retry-after', String(options.retryAfter));
    res.status(status);
    res.error = new StatusError(status, `more than ${n} requests at once`);
  };

  const wait = (raw: ServerResponse): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        wake: (admitted) => {
          clearTimeout(timer);
          raw.off('close', onClose);
          resolve(admitted);
        },
      };
      const leave = () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        waiter.wake(false);
      };
      const onClose = () => leave();
      raw.once('close', onClose);
      if (options.queueTimeout !== undefined) timer = setTimeout(leave, options.queueTimeout);
      queue.push(waiter);
    });

  return async (_req, res, _depot, ctrl) => {
    if (active < n) {
      active++;
    } else if (queue.length < maxQueue) {
      if (!(await wait(res.raw as ServerResponse))) {
        refuse(res);
        return;
      }
    } else {
      refuse(res);
      return;
    }
    try {
      await ctrl.callNext();
    } finally {
      release();
    }
  };
}
