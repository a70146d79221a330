import type { Socket } from 'node:net';

/**
 * Something that keeps a connection busy for longer than a request (an SSE stream, a
 * WebSocket) and knows how to end itself cleanly when the server drains.
 */
export interface LongLived {
  /** Ends it cleanly (SSE: end the stream; WebSocket: close with 1001). Called once. */
  drain(): void;
  /** True until it has fully finished (the closing handshake is part of it). */
  readonly open: boolean;
}

/**
 * The long-lived users of a socket live on the socket itself, behind a symbol: no global
 * registry, nothing to clean up when the socket goes, and `Server.stopGraceful()` already
 * walks every socket it tracks, so finding them costs one property read per socket.
 */
const kLongLived: unique symbol = Symbol('volley.longLived');
const kDrained: unique symbol = Symbol('volley.longLived.drained');

interface Entry extends LongLived {
  [kDrained]?: boolean;
}

type Tracked = Socket & { [kLongLived]?: Set<Entry> };

/** Registers `entry` on `socket`; returns the function that unregisters it. */
export function trackLongLived(socket: Socket, entry: LongLived): () => void {
  const tracked = socket as Tracked;
  let set = tracked[kLongLived];
  if (set === undefined) {
    set = new Set();
    tracked[kLongLived] = set;
  }
  set.add(entry);
  return () => {
    set.delete(entry);
  };
}

/**
 * For the server's drain loop: asks every long-lived user of `socket` to end (once each)
 * and tells whether one is still open, so the socket counts as busy rather than idle and
 * is not cut before a WebSocket closing handshake or the end of an SSE stream got out.
 */
export function drainLongLived(socket: Socket): boolean {
  const set = (socket as Tracked)[kLongLived];
  if (set === undefined || set.size === 0) return false;
  let open = false;
  for (const entry of set) {
    if (entry[kDrained] !== true) {
      entry[kDrained] = true;
      try {
        entry.drain();
      } catch (err) {
        console.error('volley: ending a long-lived connection failed:', err);
      }
    }
    if (entry.open) open = true;
    else set.delete(entry);
  }
  return open;
}
