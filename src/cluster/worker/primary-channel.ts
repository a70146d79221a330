/**
 * A worker's side of the IPC channel to its primary: the only `process.on('message')` of a
 * `volley serve` worker. Everything else in the worker (the runtime, the bus transport, the
 * shared store, metrics) talks to the primary through an instance of this class, handed to it.
 */
import { Socket } from 'node:net';
import { VolleyError } from '../../errors.js';
import { isPrimaryMessage, type PrimaryMessage, type WorkerMessage } from '../protocol.js';

/** A call to the primary could not be made or failed there. */
export class PrimaryCallError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_PRIMARY_CALL', message);
  }
}

/** What the channel needs of a process: `process` itself, or a fake in tests. */
export interface IpcPort {
  readonly connected: boolean;
  send?: (
    message: unknown,
    sendHandle?: undefined,
    options?: object,
    callback?: (err: Error | null) => void,
  ) => boolean;
  on(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

type BroadcastHandler = (payload: unknown, fromWorker: number) => void;

export class PrimaryChannel {
  readonly #port: IpcPort;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #channels = new Map<string, Set<BroadcastHandler>>();
  #nextId = 0;
  #onPing: ((seq: number) => void) | undefined;
  #onMetrics: ((seq: number) => void) | undefined;
  #onDrain: ((timeoutMs: number) => void) | undefined;
  #onConnection: ((label: string, socket: Socket) => void) | undefined;
  readonly #onDisconnect: (() => void)[] = [];

  constructor(port: IpcPort) {
    if (typeof port.send !== 'function') {
      throw new PrimaryCallError('this process has no IPC channel: workers are started by `volley serve`');
    }
    this.#port = port;
    port.on('message', (message, handle) => {
      if (isPrimaryMessage(message)) this.#receive(message, handle);
    });
    port.on('disconnect', () => {
      for (const [id, call] of this.#pending) {
        this.#pending.delete(id);
        call.reject(new PrimaryCallError('the primary is gone'));
      }
      for (const handler of this.#onDisconnect) handler();
    });
    // The channel stays referenced: node:cluster's listen() in the fallback waits on it, and a
    // worker ends by process.exit() once drained or orphaned, never by running out of work.
  }

  get connected(): boolean {
    return this.#port.connected;
  }

  /** Sends a protocol message; dropped once the primary is gone (the disconnect handlers run then). */
  send(message: WorkerMessage): void {
    if (this.#port.connected) this.#port.send!(message);
  }

  /** Calls `op` of the primary's `service` with JSON-serialisable args. */
  call<T = unknown>(service: string, op: string, args: unknown[]): Promise<T> {
    if (!this.#port.connected) {
      return Promise.reject(new PrimaryCallError(`the primary is gone (${service}.${op})`));
    }
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#port.send!({ volley: 'rpc', id, service, op, args }, undefined, {}, (err) => {
        if (err && this.#pending.delete(id))
          reject(new PrimaryCallError(`sending to the primary failed: ${err.message}`));
      });
    });
  }

  /** Sends a payload to every worker (this one included) on a channel, through the primary. */
  broadcast(channel: string, payload: unknown): void {
    if (!this.#port.connected) throw new PrimaryCallError('the primary is gone: nothing to broadcast through');
    this.#port.send!({ volley: 'broadcast', channel, payload });
  }

  /** Receives what any worker broadcasts on a channel; returns the unsubscribe function. */
  onBroadcast(channel: string, handler: BroadcastHandler): () => void {
    let set = this.#channels.get(channel);
    if (!set) {
      set = new Set();
      this.#channels.set(channel, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** The primary's heartbeat: answer with `send({ volley: 'pong', seq, ... })`. */
  onPing(handler: (seq: number) => void): void {
    this.#onPing = handler;
  }

  /** The primary asks for this worker's metrics: answer with `send({ volley: 'metrics', seq, ... })`. */
  onMetrics(handler: (seq: number) => void): void {
    this.#onMetrics = handler;
  }

  /** The primary asks this worker to stop accepting, finish in-flight requests and exit. */
  onDrain(handler: (timeoutMs: number) => void): void {
    this.#onDrain = handler;
  }

  /**
   * The primary hands over a connection it took off a stalled worker's queue (load-aware
   * steering), labelled with the listen address it arrived on. Without a handler it is closed.
   */
  onConnection(handler: (label: string, socket: Socket) => void): void {
    this.#onConnection = handler;
  }

  /** The primary is gone (crashed, killed, or closed the channel). */
  onDisconnect(handler: () => void): void {
    this.#onDisconnect.push(handler);
  }

  #receive(message: PrimaryMessage, handle: unknown): void {
    switch (message.volley) {
      case 'rpc-reply': {
        const call = this.#pending.get(message.id);
        if (!call) return;
        this.#pending.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(new PrimaryCallError(message.error));
        return;
      }
      case 'broadcast':
        for (const handler of this.#channels.get(message.channel) ?? []) handler(message.payload, message.from);
        return;
      case 'ping':
        this.#onPing?.(message.seq);
        return;
      case 'metrics':
        this.#onMetrics?.(message.seq);
        return;
      case 'drain':
        this.#onDrain?.(message.timeoutMs);
        return;
      case 'connection':
        if (!(handle instanceof Socket)) return;
        if (this.#onConnection) this.#onConnection(message.label, handle);
        else handle.destroy();
        return;
    }
  }
}
