import { type Counter, checkMs, type Store, StoreError, serialise } from './store.js';

export interface MemoryStoreOptions {
  /** Entries examined for expiry on each write (a bounded, incremental sweep). Default 32. */
  sweepBatch?: number;
  /** Past this many keys, the oldest-written ones are dropped. Default: no limit. */
  maxEntries?: number;
  /** The clock (ms since the epoch); for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  json: string;
  /** ms since the epoch; Infinity for no expiry. */
  expiresAt: number;
}

/**
 * A store in this process's memory. Under `volley serve` every worker has its own, so a
 * rate limit of 100/min becomes 100/min **per worker**; use `workerSharedStore()` for one
 * limit per machine or `redisStore()` for one across machines.
 *
 * Expiry is by timestamp: an expired entry is never returned, and each write also checks a
 * few more entries (`sweepBatch`) for expiry, walking the whole map over successive writes,
 * so memory is reclaimed without timers and without ever pausing for a full scan.
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}

export class MemoryStore implements Store {
  readonly #map = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweepBatch: number;
  readonly #maxEntries: number;
  #sweep: Iterator<[string, Entry]> | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweepBatch = Math.max(1, options.sweepBatch ?? 32);
    this.#maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  }

  /** Keys held, expired ones not yet swept included. */
  get size(): number {
    return this.#map.size;
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#map.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#map.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, entry: Entry): void {
    // Delete first so the key moves to the end (Map order = write order, oldest first).
    this.#map.delete(key);
    this.#map.set(key, entry);
    this.#sweepSome(this.#now());
    while (this.#map.size > this.#maxEntries) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  #sweepSome(now: number): void {
    for (let i = 0; i < this.#sweepBatch; i++) {
      this.#sweep ??= this.#map.entries();
      const next = this.#sweep.next();
      if (next.done) {
        // Start over from the oldest entry (the map is never empty here: a write just happened).
        this.#sweep = undefined;
        continue;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt <= now) this.#map.delete(key);
    }
  }

  // The methods are synchronous underneath; they are async for the Store interface, and
  // `workerSharedStore`'s primary side uses the *Sync versions directly.

  getSync<T = unknown>(key: string): T | undefined {
    const entry = this.#live(key, this.#now());
    return entry === undefined ? undefined : (JSON.parse(entry.json) as T);
  }

  setSync(key: string, value: unknown, ttlMs?: number): void {
    const json = serialise(value);
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#now() + checkMs('ttlMs', ttlMs);
    this.#write(key, { json, expiresAt });
  }

  deleteSync(key: string): void {
    this.#map.delete(key);
  }

  incrementSync(key: string, windowMs: number): Counter {
    const window = checkMs('windowMs', windowMs);
    const now = this.#now();
    const entry = this.#live(key, now);
    if (entry === undefined) {
      const fresh = { json: '1', expiresAt: now + window };
      this.#write(key, fresh);
      return { count: 1, resetAt: fresh.expiresAt };
    }
    const count = Number(entry.json) + 1;
    if (!Number.isSafeInteger(count)) throw new StoreError(`cannot increment '${key}': it does not hold a count`);
    entry.json = String(count);
    return { count, resetAt: entry.expiresAt };
  }

  touchSync(key: string, ttlMs: number): boolean {
    const ttl = checkMs('ttlMs', ttlMs);
    const now = this.#now();
    const entry = this.#live(key, now);
    if (!entry) return false;
    entry.expiresAt = now + ttl;
    return true;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return this.getSync<T>(key);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.setSync(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.deleteSync(key);
  }

  async increment(key: string, windowMs: number): Promise<Counter> {
    return this.incrementSync(key, windowMs);
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    return this.touchSync(key, ttlMs);
  }
}
