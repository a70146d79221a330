/** How a Bus moves messages between processes. Delivery is at-most-once. */
export interface BusTransport {
  readonly name: string;
  /** Sends a message to every subscriber of the topic, in every process the transport reaches. */
  publish(topic: string, message: unknown): Promise<void>;
  /** Where the transport hands over every message it receives (including this process's own). */
  start(deliver: (topic: string, message: unknown) => void): void;
  close(): Promise<void>;
}

/** In one process: messages go straight to this process's subscribers. */
export class LocalTransport implements BusTransport {
  readonly name = 'local';
  #deliver: ((topic: string, message: unknown) => void) | undefined;

  start(deliver: (topic: string, message: unknown) => void): void {
    this.#deliver = deliver;
  }

  async publish(topic: string, message: unknown): Promise<void> {
    // Through JSON like every other transport, so a subscriber never shares the publisher's object.
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    queueMicrotask(() => this.#deliver?.(topic, copy));
  }

  async close(): Promise<void> {
    this.#deliver = undefined;
  }
}
