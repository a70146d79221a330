import { VolleyError } from '../../errors.js';

/** What `Store.increment` answers: the count in the current window and when that window ends. */
export interface Counter {
  /** Increments so far in this window, this one included (1 for the first). */
  count: number;
  /** When the window ends, in ms since the epoch (`Date.now()` clock of the caller). */
  resetAt: number;
}

/**
 * The one storage interface behind sessions, CSRF and rate limits, so their state means the
 * same thing in 1 worker or 16: `memoryStore()` (per worker), `workerSharedStore()` (one
 * per `volley serve`, held by the primary) and `redisStore(client)` (many machines).
 *
 * Values are JSON-serialisable and come back as copies (a stored object is never shared
 * with the caller). A key set by `increment` reads back with `get` as its count (a number).
 */
export interface Store {
  /** The value, or undefined when missing or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a value, forever or for `ttlMs` milliseconds. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Atomically adds 1 to a counter. The first increment (of a missing or expired key)
   * creates it and starts a window of `windowMs`; later ones do not extend it.
   */
  increment(key: string, windowMs: number): Promise<Counter>;
  /** Sets a new time to live on an existing key; false if it is missing or expired. */
  touch(key: string, ttlMs: number): Promise<boolean>;
}

/** A store was misused (bad TTL, non-serialisable value) or cannot work where it runs. */
export class StoreError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_STORE', message, { cause });
  }
}

/** @internal Checks a TTL/window argument: a positive finite number of ms. */
export function checkMs(name: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new StoreError(`${name} must be a positive number of milliseconds, got ${String(ms)}`);
  }
  return Math.ceil(ms);
}

/** @internal Serialises a value for storage; undefined and functions are refused. */
export function serialise(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new StoreError(`store values must be JSON-serialisable: ${(err as Error).message}`, err);
  }
  if (json === undefined) throw new StoreError(`store values must be JSON-serialisable, got ${typeof value}`);
  return json;
}
