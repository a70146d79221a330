import type { Redis } from 'ioredis';
import { lazyRequire } from '../lazy-require.js';

const ioredis = lazyRequire<typeof import('ioredis')>('ioredis');

import type { BusTransport } from './transport.js';

/**
 * Across machines: Redis pub/sub through ioredis. Each process keeps one connection to publish
 * and one subscribed to `<prefix>*`; ioredis reconnects and re-subscribes by itself.
 */
export class RedisTransport implements BusTransport {
  readonly name = 'redis';
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;

  constructor(url: string, options: { prefix?: string } = {}) {
    this.#prefix = options.prefix ?? 'volley:bus:';
    const { Redis } = ioredis();
    this.#pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
    this.#sub = new Redis(url, { lazyConnect: false });
    // Errors are retried by ioredis; keep them from crashing the process as unhandled 'error's.
    this.#pub.on('error', () => undefined);
    this.#sub.on('error', () => undefined);
  }

  start(deliver: (topic: string, message: unknown) => void): void {
    void this.#sub.psubscribe(`${this.#prefix}*`);
    this.#sub.on('pmessage', (_pattern: string, channel: string, text: string) => {
      try {
        deliver(channel.slice(this.#prefix.length), JSON.parse(text));
      } catch {
        // not ours or not JSON: ignore
      }
    });
  }

  /** Resolves once Redis is connected and the subscription is in place. */
  async ready(): Promise<void> {
    await this.#sub.psubscribe(`${this.#prefix}*`);
    await this.#pub.ping();
  }

  async publish(topic: string, message: unknown): Promise<void> {
    await this.#pub.publish(`${this.#prefix}${topic}`, JSON.stringify(message));
  }

  async close(): Promise<void> {
    this.#sub.disconnect();
    this.#pub.disconnect();
  }
}
