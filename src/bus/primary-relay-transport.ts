import type { BusTransport } from './transport.js';

const CHANNEL = 'volley.bus';

/** What the relay needs of a worker's channel to its primary (a `PrimaryChannel`). */
export interface RelayChannel {
  broadcast(channel: string, payload: unknown): void;
  onBroadcast(channel: string, handler: (payload: unknown, fromWorker: number) => void): () => void;
}

/**
 * Across the workers of one `volley serve`: a worker sends the message to the primary over
 * IPC, and the primary relays it to every worker (the publisher included). The worker runtime
 * makes it the bus's default with the worker's channel.
 */
export class PrimaryRelayTransport implements BusTransport {
  readonly name = 'primary';
  readonly #channel: RelayChannel;
  #off: (() => void) | undefined;

  constructor(channel: RelayChannel) {
    this.#channel = channel;
  }

  start(deliver: (topic: string, message: unknown) => void): void {
    this.#off = this.#channel.onBroadcast(CHANNEL, (payload) => {
      const { topic, message } = payload as { topic: string; message: unknown };
      deliver(topic, message);
    });
  }

  async publish(topic: string, message: unknown): Promise<void> {
    this.#channel.broadcast(CHANNEL, { topic, message });
  }

  async close(): Promise<void> {
    this.#off?.();
  }
}
