import type { Cluster, Redis } from 'ioredis';
import { type Counter, checkMs, type Store, serialise } from './store.js';

export interface RedisStoreOptions {
  /** Prepended to every key. Default 'volley:'. */
  prefix?: string;
}

// INCR, and PEXPIRE only when this INCR created the key (PEXPIRE NX semantics, which Redis
// < 7 lacks as a flag), in one script so no other client can interleave. A key left without
// a TTL (e.g. by a crash between the two commands of an older non-atomic client) gets one.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/**
 * A store in Redis through an `ioredis` client (a `Redis` or a `Cluster`), for state shared
 * by every worker on every machine. Values are stored as JSON strings under `prefix + key`,
 * TTLs as Redis expiries (PX); `increment` is one Lua script (INCR + PEXPIRE on creation),
 * so it is atomic. The window's end is computed from the TTL Redis reports, so machines
 * with skewed clocks still agree on the window. The caller owns the client (connects and
 * quits it).
 */
export function redisStore(client: Redis | Cluster, options: RedisStoreOptions = {}): Store {
  const prefix = options.prefix ?? 'volley:';
  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      const json = await client.get(prefix + key);
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
      const json = serialise(value);
      if (ttlMs === undefined) await client.set(prefix + key, json);
      else await client.set(prefix + key, json, 'PX', checkMs('ttlMs', ttlMs));
    },
    async delete(key: string): Promise<void> {
      await client.del(prefix + key);
    },
    async increment(key: string, windowMs: number): Promise<Counter> {
      const window = checkMs('windowMs', windowMs);
      const [count, ttl] = (await client.eval(INCREMENT, 1, prefix + key, window)) as [number, number];
      return { count, resetAt: Date.now() + ttl };
    },
    async touch(key: string, ttlMs: number): Promise<boolean> {
      return (await client.pexpire(prefix + key, checkMs('ttlMs', ttlMs))) === 1;
    },
  };
}
