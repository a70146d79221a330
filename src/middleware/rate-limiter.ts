import type { Depot } from '../http/depot.js';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import { StatusError } from '../http/status-error.js';
import { clientIp, type TrustProxy, trustPredicate } from './client-ip.js';
import { memoryStore } from './stores/memory-store.js';
import type { Store } from './stores/store.js';

export interface RateLimiterOptions {
  /** Requests admitted per window and key. */
  max: number;
  /** Window length in ms. */
  windowMs: number;
  /**
   * 'fixed' (default): a window starts with a key's first request and admits `max`.
   * 'sliding': windows aligned to the clock; the count is this window's plus the previous
   * window's weighted by how much of it still overlaps the last `windowMs` (smooths bursts
   * at window edges; one extra store read per request).
   */
  algorithm?: 'fixed' | 'sliding';
  /** Where counts live. Default: a `memoryStore()` of this limiter (per worker!). */
  store?: Store;
  /** What is limited. Default: the client IP (see `trustProxy`). */
  key?: (req: Request, depot: Depot) => string | Promise<string>;
  /**
   * Proxies whose `X-Forwarded-For` is believed when keying by IP: addresses, CIDR ranges,
   * 'loopback', 'private', or a function. Default: none, the socket peer is the client.
   */
  trustProxy?: TrustProxy;
  /** Prepended to store keys. Default 'rl:'. */
  prefix?: string;
  /** Send the `RateLimit-*` headers on every response. Default true (429s always carry `Retry-After`). */
  headers?: boolean;
  /** Requests for which this returns true are not counted. */
  skip?: (req: Request, depot: Depot) => boolean | Promise<boolean>;
  /** If the store fails: false (default) answers 500; true lets the request through. */
  failOpen?: boolean;
  /** The 429 detail. Default 'rate limit exceeded'. */
  message?: string;
  /**
   * The clock (ms since the epoch) for sliding-window boundaries and the Reset/Retry-After
   * seconds. Default `Date.now`. The default memory store reads the same clock; pass it to
   * `memoryStore({ now })` too when giving a store, so tests can move time without sleeping.
   */
  now?: () => number;
}

interface Verdict {
  /** The count the limit is checked against (this request included). */
  used: number;
  /** Seconds until the quota is fully restored (RateLimit-Reset). */
  resetSec: number;
  /** Seconds until one more request would be admitted (Retry-After). */
  retrySec: number;
}

/**
 * Limits requests per key (client IP by default) to `max` per `windowMs`; past it, 429 with
 * `Retry-After`. Sends `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds)
 * and `RateLimit-Policy` (IETF draft). Every request counts, rejected ones too. With
 * `workerSharedStore()` the limit holds for all workers of a `volley serve`, with
 * `redisStore()` for every machine; with the default memory store it is per worker.
 */
export function rateLimiter(options: RateLimiterOptions): Handler {
  const { max, windowMs } = options;
  if (!Number.isInteger(max) || max < 0) throw new TypeError(`rateLimiter: max must be an integer >= 0, got ${max}`);
  if (!Number.isFinite(windowMs) || windowMs < 1) {
    throw new TypeError(`rateLimiter: windowMs must be >= 1, got ${windowMs}`);
  }
  const algorithm = options.algorithm ?? 'fixed';
  if (algorithm !== 'fixed' && algorithm !== 'sliding') {
    throw new TypeError(`rateLimiter: algorithm must be 'fixed' or 'sliding'`);
  }
  const now = options.now ?? Date.now;
  const store = options.store ?? memoryStore({ now });
  const prefix = options.prefix ?? 'rl:';
  const trusted = trustPredicate(options.trustProxy);
  const keyOf = options.key ?? ((req: Request) => clientIp(req, trusted));
  const sendHeaders = options.headers ?? true;
  const message = options.message ?? 'rate limit exceeded';
  const policy = `${max};w=${Math.ceil(windowMs / 1000)}`;

  const fixed = async (key: string): Promise<Verdict> => {
    const { count, resetAt } = await store.increment(key, windowMs);
    const resetSec = Math.max(0, Math.ceil((resetAt - now()) / 1000));
    return { used: count, resetSec, retrySec: resetSec };
  };

  const sliding = async (key: string): Promise<Verdict> => {
    const at = now();
    const index = Math.floor(at / windowMs);
    // The current window's key must outlive it: it is the next window's "previous".
    const [current, previous] = await Promise.all([
      store.increment(`${key}:${index}`, 2 * windowMs),
      store.get<number>(`${key}:${index - 1}`),
    ]);
    const prev = typeof previous === 'number' ? previous : 0;
    const windowEnd = (index + 1) * windowMs;
    const overlap = (windowEnd - at) / windowMs; // share of the previous window still in view
    const used = Math.floor(prev * overlap) + current.count;
    // The previous window's weight falls linearly: find when prev*overlap + count + 1 <= max.
    let retryMs = windowEnd - at;
    const room = max - current.count - 1;
    if (room >= 0 && prev > 0) retryMs = Math.max(0, (overlap - room / prev) * windowMs);
    // This window's requests weigh on the estimate until the end of the next window.
    const resetMs = windowEnd - at + windowMs;
    return { used, resetSec: Math.ceil(resetMs / 1000), retrySec: Math.max(1, Math.ceil(retryMs / 1000)) };
  };

  const check = algorithm === 'fixed' ? fixed : sliding;

  return async (req, res, depot) => {
    if (options.skip && (await options.skip(req, depot))) return;
    const key = prefix + (await keyOf(req, depot));
    let verdict: Verdict;
    try {
      verdict = await check(key);
    } catch (err) {
      if (options.failOpen) return;
      throw err;
    }
    const admitted = verdict.used <= max;
    if (sendHeaders) {
      res.header('ratelimit-limit', max);
      res.header('ratelimit-remaining', Math.max(0, max - verdict.used));
      res.header('ratelimit-reset', verdict.resetSec);
      res.header('ratelimit-policy', policy);
    }
    if (!admitted) {
      res.header('retry-after', Math.max(1, verdict.retrySec));
      throw StatusError.tooManyRequests(message);
    }
  };
}
