import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { lazyRequire } from '../lazy-require.js';
import { sendToSockets } from './send-to-sockets.js';
import { socketOf } from './websocket-socket.js';

export interface WebSocketRoomOptions {
  /**
   * A member with more than this many bytes still waiting in its socket when a message is
   * sent is closed with 1013 (try again later) instead of being sent more: a client that does
   * not read must not grow the process's memory. Default 1 MiB.
   */
  maxBufferedBytes?: number;
}

const OPEN = 1;
const CLOSE_TRY_AGAIN_LATER = 1013;

/**
 * A set of WebSocket connections that receive the same messages: a chat room, a topic's
 * subscribers in this process. `room.send(data)` frames the message once for all members and
 * writes that one buffer to each member's socket, where `ws.send()` per member would encode and
 * frame it once per member.
 *
 * Messages sent during one event-loop turn go out together at the end of it (a `setImmediate`),
 * as one write per member. Under light load that is one message per write and no added delay;
 * when messages arrive faster than they can be written, each member still costs one system call
 * per turn instead of one per message, which is what keeps a busy fan-out from falling behind.
 * So a `ws.send()` made in the same turn as a `room.send()` can arrive before it.
 *
 * Members leave by themselves when they close. Connections with permessage-deflate, and
 * WebSockets not accepted by Volley's `websocket()`, are sent each message with `ws.send()`
 * (compression is per connection); the others get the shared frames written to their socket.
 */
export class WebSocketRoom {
  readonly #members = new Set<WebSocket>();
  readonly #maxBuffered: number;
  /** Messages of this turn: strings are text, Buffers binary. */
  #pending: (string | Buffer)[] = [];
  #scheduled = false;
  #closedSlow = 0;
  readonly #onClose: (this: WebSocket) => void;

  constructor(options: WebSocketRoomOptions = {}) {
    this.#maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    const members = this.#members;
    this.#onClose = function (this: WebSocket) {
      members.delete(this);
    };
  }

  /** Members now. */
  get size(): number {
    return this.#members.size;
  }

  /** Members closed because they did not read (more than `maxBufferedBytes` waiting). */
  get closedSlow(): number {
    return this.#closedSlow;
  }

  /** Adds an open connection; false if it is not open. It leaves when it closes. */
  join(ws: WebSocket): boolean {
    if (ws.readyState !== OPEN) return false;
    if (this.#members.has(ws)) return true;
    this.#members.add(ws);
    ws.once('close', this.#onClose);
    return true;
  }

  leave(ws: WebSocket): void {
    if (this.#members.delete(ws)) ws.off('close', this.#onClose);
  }

  has(ws: WebSocket): boolean {
    return this.#members.has(ws);
  }

  /** Sends a text (string) or binary (Buffer) message to every member, at the end of this turn. */
  send(data: string | Buffer): void {
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) {
      throw new TypeError('WebSocketRoom.send() takes a string (text) or a Buffer (binary)');
    }
    this.#pending.push(data);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    if (this.#members.size === 0) return;
    const sockets: Socket[] = [];
    for (const ws of this.#members) {
      if (ws.readyState !== OPEN) continue; // closing: 'close' removes it
      if (ws.bufferedAmount > this.#maxBuffered) {
        // It leaves now: its close handshake cannot finish while it does not read (ws gives up
        // after its close timeout), and it must not be sent more meanwhile.
        this.#closedSlow++;
        this.leave(ws);
        ws.close(CLOSE_TRY_AGAIN_LATER, 'too slow');
        continue;
      }
      const socket = ws.extensions === '' ? socketOf(ws) : undefined;
      if (socket === undefined) {
        for (const data of pending) ws.send(data, { binary: typeof data !== 'string' });
        continue;
      }
      sockets.push(socket);
    }
    // Safe to write beside `ws`'s own sender: without permessage-deflate it writes each of its
    // frames whole and at once (nothing of its own is half-written between two calls), and a
    // member that is closing was skipped above, so no data frame follows a close frame.
    if (sockets.length > 0) sendToSockets(sockets, encodeFrames(pending));
  }
}

/** `ws`'s frame encoder (public in ws, though @types/ws does not declare it). */
type FrameEncoder = (
  data: Buffer,
  options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
) => Buffer[];
const wsLib = lazyRequire<{ Sender: { frame: FrameEncoder } }>('ws');

/** Unmasked server frames (RFC 6455 §5.2), FIN set, text for strings and binary for Buffers, in one buffer. */
function encodeFrames(messages: readonly (string | Buffer)[]): Buffer {
  const frame = wsLib().Sender.frame;
  return Buffer.concat(
    messages.flatMap((m) =>
      typeof m === 'string'
        ? frame(Buffer.from(m, 'utf8'), { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false })
        : frame(m, { fin: true, opcode: 0x2, mask: false, readOnly: true, rsv1: false }),
    ),
  );
}
