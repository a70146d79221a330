/**
 * The public face of a worker's channel to its primary: `callPrimary`, `broadcast`,
 * `onBroadcast`, `hasPrimary`. The worker runtime installs its one PrimaryChannel here before
 * it loads the app; outside `volley serve` there is none.
 *
 * The channel is kept under a process-wide symbol rather than in this module: an app may load
 * another copy of Volley than the worker runtime did (a global `volley` serving a project that
 * has its own), and both copies must reach the one IPC channel the process has.
 */
import { PrimaryCallError, type PrimaryChannel } from './primary-channel.js';

export { PrimaryCallError } from './primary-channel.js';

const KEY = Symbol.for('volley.primary-channel');
type Holder = { [KEY]?: PrimaryChannel };

/** Makes `channel` the one every copy of Volley in this process uses (worker-main.ts calls it). */
export function installPrimaryChannel(channel: PrimaryChannel): void {
  (globalThis as Holder)[KEY] = channel;
}

/** This worker's channel to its primary, or undefined outside `volley serve`. */
export function primaryChannel(): PrimaryChannel | undefined {
  return (globalThis as Holder)[KEY];
}

/** True in a worker of `volley serve` whose primary is still there. */
export function hasPrimary(): boolean {
  return primaryChannel()?.connected === true;
}

/** Calls `op` of the primary's `service` with JSON-serialisable args. */
export function callPrimary<T = unknown>(service: string, op: string, args: unknown[]): Promise<T> {
  const channel = primaryChannel();
  if (!channel) return Promise.reject(new PrimaryCallError(`no volley serve primary to call (${service}.${op})`));
  return channel.call<T>(service, op, args);
}

/** Sends a payload to every worker (this one included) on a channel, through the primary. */
export function broadcast(channel: string, payload: unknown): void {
  const primary = primaryChannel();
  if (!primary) throw new PrimaryCallError('no volley serve primary to broadcast through');
  primary.broadcast(channel, payload);
}

/**
 * Receives what any worker broadcasts on a channel; returns the unsubscribe function.
 * Outside `volley serve` nothing is ever broadcast, so the handler is never called.
 */
export function onBroadcast(channel: string, handler: (payload: unknown, fromWorker: number) => void): () => void {
  return primaryChannel()?.onBroadcast(channel, handler) ?? (() => undefined);
}
