import { RedisTransport } from './redis-transport.js';
import { compileTopicPattern } from './topic-pattern.js';
import { type BusTransport, LocalTransport } from './transport.js';

export type BusHandler = (message: unknown, topic: string) => unknown;

export interface SubscribeOptions {
  /** Messages waiting for this subscriber before new ones are dropped (and counted). Default 1024. */
  maxQueue?: number;
}

interface Subscriber {
  matches: (topic: string) => boolean;
  handler: BusHandler;
  queue: { topic: string; message: unknown }[];
  maxQueue: number;
  running: boolean;
  active: boolean;
}

/**
 * Publish/subscribe for handlers: `bus.publish(topic, message)`, `bus.subscribe(pattern, handler)`.
 * Messages are JSON-serialisable values; delivery is at-most-once (a message published while a
 * process restarts, or dropped from a full queue, is not delivered there). Each subscriber has
 * its own bounded queue, so a slow subscriber neither stalls the others nor grows memory
 * without bound: past `maxQueue` its new messages are dropped and counted in `dropped`
 * (`volley_bus_dropped_total` in /metrics).
 */
export class Bus {
  #transport: BusTransport | undefined;
  #defaultTransport: (() => BusTransport) | undefined;
  readonly #subscribers = new Set<Subscriber>();
  #dropped = 0;
  #delivered = 0;

  constructor(transport?: BusTransport) {
    if (transport) this.use(transport);
  }

  /**
   * Switches the transport. Without one, the first use picks: Redis when VOLLEY_REDIS_URL is
   * set, else the default given to `useByDefault` (the primary relay inside a `volley serve`
   * worker), otherwise in-process.
   */
  use(transport: BusTransport): this {
    const old = this.#transport;
    this.#transport = transport;
    transport.start((topic, message) => this.#deliver(topic, message));
    if (old) void old.close();
    return this;
  }

  /**
   * The transport the first use picks when none was set and VOLLEY_REDIS_URL is not set. The
   * worker runtime of `volley serve` sets the primary relay here before it loads the app.
   */
  useByDefault(factory: () => BusTransport): this {
    this.#defaultTransport = factory;
    return this;
  }

  get transport(): BusTransport {
    if (!this.#transport) {
      const url = process.env.VOLLEY_REDIS_URL;
      this.use(url ? new RedisTransport(url) : (this.#defaultTransport?.() ?? new LocalTransport()));
    }
    return this.#transport!;
  }

  /** Messages dropped because a subscriber's queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Messages handed to subscribers. */
  get delivered(): number {
    return this.#delivered;
  }

  publish(topic: string, message: unknown): Promise<void> {
    if (topic === '' || topic.includes('*'))
      throw new TypeError(`bus topic '${topic}' must be non-empty and have no '*'`);
    if (message === undefined) throw new TypeError('bus messages must be JSON-serialisable (got undefined)');
    return this.transport.publish(topic, message);
  }

  /** Subscribes to a topic or pattern (`room.*`, `room.**`); returns the unsubscribe function. */
  subscribe(pattern: string, handler: BusHandler, options: SubscribeOptions = {}): () => void {
    void this.transport; // make sure messages flow from now on
    const sub: Subscriber = {
      matches: compileTopicPattern(pattern),
      handler,
      queue: [],
      maxQueue: options.maxQueue ?? 1024,
      running: false,
      active: true,
    };
    this.#subscribers.add(sub);
    return () => {
      sub.active = false;
      sub.queue.length = 0;
      this.#subscribers.delete(sub);
    };
  }

  async close(): Promise<void> {
    this.#subscribers.clear();
    await this.#transport?.close();
    this.#transport = undefined;
  }

  #deliver(topic: string, message: unknown): void {
    for (const sub of this.#subscribers) {
      if (!sub.matches(topic)) continue;
      if (sub.queue.length >= sub.maxQueue) {
        this.#dropped++;
        continue;
      }
      sub.queue.push({ topic, message });
      if (!sub.running) void this.#drain(sub);
    }
  }

  async #drain(sub: Subscriber): Promise<void> {
    sub.running = true;
    while (sub.active && sub.queue.length > 0) {
      const item = sub.queue.shift()!;
      this.#delivered++;
      try {
        const out = sub.handler(item.message, item.topic);
        if (out && typeof (out as Promise<unknown>).then === 'function') await out;
      } catch (err) {
        console.error(`volley bus: a subscriber of '${item.topic}' threw:`, err);
      }
    }
    sub.running = false;
  }
}

/** The default bus every handler can use. */
export const bus = new Bus();
