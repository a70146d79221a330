import { broadcast, onBroadcast } from '../cluster/primary-rpc.js';
import type { BusTransport } from './transport.js';

const CHANNEL = 'volley.bus';

/**
 * Across the workers of one `volley serve`: a worker sends the message to the primary over
 * IPC, and the primary relays it to every worker (the publisher included).
 */
export class PrimaryRelayTransport implements BusTransport {
  readonly name = 'primary';
  #off: (() => void) | undefined;

  start(deliver: (topic: string, message: unknown) => void): void {
    this.#off = onBroadcast(CHANNEL, (payload) => {
      const { topic, message } = payload as { topic: string; message: unknown };
      deliver(topic, message);
    });
  }

  async publish(topic: string, message: unknown): Promise<void> {
    broadcast(CHANNEL, { topic, message });
  }

  async close(): Promise<void> {
    this.#off?.();
  }
}
