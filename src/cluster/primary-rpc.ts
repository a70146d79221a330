/**
 * Worker side of the services the primary hosts for all workers of a `volley serve`
 * (the shared store, the bus relay). Messages go over the fork IPC channel, which keeps
 * per-worker order; each call waits for its reply by id.
 */
import { VolleyError } from '../errors.js';

/** A call to the primary could not be made or failed there. */
export class PrimaryCallError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_PRIMARY_CALL', message);
  }
}

type Reply =
  | { volley: 'rpc-reply'; id: number; ok: true; value: unknown }
  | { volley: 'rpc-reply'; id: number; ok: false; error: string };
type Broadcast = { volley: 'broadcast'; channel: string; payload: unknown; from: number };

const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const channels = new Map<string, Set<(payload: unknown, fromWorker: number) => void>>();
let nextId = 0;
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('message', (message: Reply | Broadcast) => {
    if (message?.volley === 'rpc-reply') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else call.reject(new PrimaryCallError(message.error));
    } else if (message?.volley === 'broadcast') {
      for (const handler of channels.get(message.channel) ?? []) handler(message.payload, message.from);
    }
  });
  process.on('disconnect', () => {
    for (const [id, call] of pending) {
      pending.delete(id);
      call.reject(new PrimaryCallError('the primary is gone'));
    }
  });
  // Waiting for a reply must not keep a worker alive on its own.
  process.channel?.unref();
}

/** True in a worker of `volley serve` (there is a primary to talk to). */
export function hasPrimary(): boolean {
  return typeof process.send === 'function' && process.env.VOLLEY_WORKER_ID !== undefined;
}

/** Calls `op` of the primary's `service` with JSON-serialisable args. */
export function callPrimary<T = unknown>(service: string, op: string, args: unknown[]): Promise<T> {
  if (!hasPrimary() || !process.connected) {
    return Promise.reject(new PrimaryCallError(`no volley serve primary to call (${service}.${op})`));
  }
  listen();
  const id = ++nextId;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    process.send!({ volley: 'rpc', id, service, op, args }, undefined, {}, (err) => {
      if (err && pending.delete(id)) reject(new PrimaryCallError(`sending to the primary failed: ${err.message}`));
    });
  });
}

/** Sends a payload to every worker (this one included) on a channel, through the primary. */
export function broadcast(channel: string, payload: unknown): void {
  if (!hasPrimary() || !process.connected) throw new PrimaryCallError('no volley serve primary to broadcast through');
  process.send!({ volley: 'broadcast', channel, payload });
}

/** Receives what any worker broadcasts on a channel; returns the unsubscribe function. */
export function onBroadcast(channel: string, handler: (payload: unknown, fromWorker: number) => void): () => void {
  listen();
  let set = channels.get(channel);
  if (!set) {
    set = new Set();
    channels.set(channel, set);
  }
  set.add(handler);
  return () => {
    set.delete(handler);
  };
}
