import type { PrimaryService } from '../../cluster/primary/supervisor-options.js';
import { callPrimary, hasPrimary } from '../../cluster/worker/primary-rpc.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import { type Counter, checkMs, type Store, StoreError, serialise } from './store.js';

/** The name the primary hosts the shared store under (`callPrimary('store', op, args)`). */
export const SHARED_STORE_SERVICE = 'store';

/**
 * The primary's side of `workerSharedStore()`: one `MemoryStore` for every worker of a
 * `volley serve`. Registered by `volley serve` as `services: { store: sharedStoreService() }`.
 * Each call runs to completion on the primary's single thread, so `increment` is atomic
 * across workers.
 */
export function sharedStoreService(options: MemoryStoreOptions = {}): PrimaryService {
  const store = new MemoryStore(options);
  return (op, args) => {
    const key = args[0];
    if (typeof key !== 'string') throw new StoreError(`store.${op}: the key must be a string`);
    switch (op) {
      case 'get': {
        // Wrapped, so a stored null is told apart from a missing key (the reply maps undefined to null).
        const value = store.getSync(key);
        return value === undefined ? null : { value };
      }
      case 'set':
        store.setSync(key, args[1], (args[2] ?? undefined) as number | undefined);
        return null;
      case 'delete':
        store.deleteSync(key);
        return null;
      case 'increment':
        return store.incrementSync(key, args[1] as number);
      case 'touch':
        return store.touchSync(key, args[1] as number);
      default:
        throw new StoreError(`the shared store has no operation '${op}'`);
    }
  };
}

export interface WorkerSharedStoreOptions {
  /**
   * Outside `volley serve` there is no primary. 'memory' (default): use a `memoryStore()` in
   * this process, after a one-time warning on stderr; one process then holds all the state,
   * which is what "shared by all workers" means there. 'throw': every call rejects with a
   * `StoreError` (code `VOLLEY_ERR_STORE`).
   */
  withoutPrimary?: 'memory' | 'throw';
  /** Prepended to every key, to keep apps or uses apart in the primary's one store. Default ''. */
  prefix?: string;
}

let warned = false;

/**
 * One store for all workers of a `volley serve`, held by the primary and reached over the
 * worker's IPC channel (one round trip per call, typically well under a millisecond).
 * `increment` is atomic across workers: a limit of 100/min is 100/min for the machine.
 * The state lives as long as the primary: it survives worker restarts and rolling reloads,
 * and is gone when `volley serve` stops. For several machines use `redisStore()`.
 */
export function workerSharedStore(options: WorkerSharedStoreOptions = {}): Store {
  const prefix = options.prefix ?? '';
  let fallback: MemoryStore | undefined;
  let decided = false;
  // Decided at first use, not at import: the app module may be loaded by tools outside `volley serve`.
  const local = (): MemoryStore | undefined => {
    if (decided) return fallback;
    if (hasPrimary()) {
      decided = true;
      return undefined;
    }
    if (options.withoutPrimary === 'throw') {
      throw new StoreError('workerSharedStore() needs `volley serve`: there is no primary process to hold the store');
    }
    if (!warned) {
      warned = true;
      process.emitWarning(
        'workerSharedStore(): not running under `volley serve`, using a memory store in this process instead',
        { code: 'VOLLEY_SHARED_STORE_FALLBACK' },
      );
    }
    decided = true;
    fallback = new MemoryStore();
    return fallback;
  };
  const call = async <T>(op: string, args: unknown[]): Promise<T> => {
    try {
      return await callPrimary<T>(SHARED_STORE_SERVICE, op, args);
    } catch (err) {
      throw new StoreError(`shared store ${op} failed: ${(err as Error).message}`, err);
    }
  };
  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      const mem = local();
      if (mem) return mem.getSync<T>(prefix + key);
      const reply = await call<{ value: T } | null>('get', [prefix + key]);
      return reply === null ? undefined : reply.value;
    },
    async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
      const mem = local();
      if (mem) return mem.setSync(prefix + key, value, ttlMs);
      // Checked here too, so a bad value fails in the caller with its stack, not in the primary.
      serialise(value);
      if (ttlMs !== undefined) checkMs('ttlMs', ttlMs);
      await call('set', ttlMs === undefined ? [prefix + key, value] : [prefix + key, value, ttlMs]);
    },
    async delete(key: string): Promise<void> {
      const mem = local();
      if (mem) return mem.deleteSync(prefix + key);
      await call('delete', [prefix + key]);
    },
    async increment(key: string, windowMs: number): Promise<Counter> {
      const mem = local();
      if (mem) return mem.incrementSync(prefix + key, windowMs);
      checkMs('windowMs', windowMs);
      return call<Counter>('increment', [prefix + key, windowMs]);
    },
    async touch(key: string, ttlMs: number): Promise<boolean> {
      const mem = local();
      if (mem) return mem.touchSync(prefix + key, ttlMs);
      checkMs('ttlMs', ttlMs);
      return call<boolean>('touch', [prefix + key, ttlMs]);
    },
  };
}
