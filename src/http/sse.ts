import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { trackLongLived } from './long-lived.js';
import type { RawResponse } from './response.js';
import { SseMessageError } from './usage-errors.js';

export interface SseOptions {
  /** Milliseconds between keep-alive comments (proxies drop silent connections); 0: none. Default 15 000. */
  keepAlive?: number;
  /** A `retry:` (reconnection delay in ms) sent first. */
  retry?: number;
  /**
   * Bytes that may wait for a slow client. A client further behind is dropped (the stream
   * closes) instead of growing the worker's memory. Default 1 MiB.
   */
  maxBuffered?: number;
}

/** One event. `data` that is not a string is sent as JSON; a multi-line string as several `data:` lines. */
export interface SseMessage {
  event?: string;
  id?: string | number;
  /** Reconnection delay in ms for the client. */
  retry?: number;
  data?: unknown;
}

const NEWLINE = /\r\n|\r|\n/;
const DEFAULT_KEEP_ALIVE = 15_000;
const DEFAULT_MAX_BUFFERED = 1024 * 1024;

function field(name: string, value: string): string {
  if (NEWLINE.test(value) || value.includes('\0'))
    throw new SseMessageError(`SSE ${name} must not contain newlines or NUL`);
  return `${name}: ${value}\n`;
}

/** Encodes one event as text/event-stream (exported for tests and custom transports). */
export function encodeSseMessage(message: SseMessage | string): string {
  const m: SseMessage = typeof message === 'string' ? { data: message } : message;
  let out = '';
  if (m.event !== undefined) out += field('event', m.event);
  if (m.id !== undefined) out += field('id', String(m.id));
  if (m.retry !== undefined) {
    if (!Number.isSafeInteger(m.retry) || m.retry < 0)
      throw new SseMessageError('SSE retry must be a non-negative integer');
    out += `retry: ${m.retry}\n`;
  }
  if (m.data !== undefined) {
    const text = typeof m.data === 'string' ? m.data : (JSON.stringify(m.data) ?? 'null');
    for (const line of text.split(NEWLINE)) out += `data: ${line}\n`;
  }
  if (out === '') throw new SseMessageError('an SSE message needs at least one of event, id, retry or data');
  return `${out}\n`;
}

/**
 * A server-sent events stream, from `res.sse()`. It is the response body: events sent
 * while the handler chain runs wait in the stream and go out when the chain ends (hoops
 * can still add headers); after that each event is written as it is sent. The response
 * stays open until `close()`, the client goes away, or the server drains (graceful stop
 * ends the stream cleanly, so the client's EventSource reconnects elsewhere).
 */
export class SseStream {
  /** The body stream the response pipes to the client. */
  readonly body: Readable;
  /** The client's `Last-Event-ID` (set when an EventSource reconnects), to resume from. */
  readonly lastEventId: string | undefined;
  /** Resolves once the stream is over: closed by us, by the client, or by a drain. Never rejects. */
  readonly closed: Promise<void>;
  readonly #raw: RawResponse;
  readonly #keepAlive: number;
  readonly #maxBuffered: number;
  #ended = false;
  #finished = false;
  #timer: NodeJS.Timeout | undefined;
  #resolveClosed!: () => void;
  #untrack: (() => void) | undefined;

  constructor(raw: RawResponse, lastEventId: string | undefined, options: SseOptions = {}) {
    this.#raw = raw;
    this.lastEventId = lastEventId;
    this.#keepAlive = options.keepAlive ?? DEFAULT_KEEP_ALIVE;
    this.#maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.body = new Readable({ read: () => undefined });
    // The response pipes the body once the chain is over: from then on events flow.
    this.body.once('resume', () => this.#onFlowing());
    // Errors here only come from the consumer going away; they end the stream, nothing more.
    this.body.on('error', () => undefined);
    this.body.once('close', () => this.#finish());
    raw.once('close', () => this.#finish());
    if (options.retry !== undefined) this.send({ retry: options.retry });
    // HTTP/1: the server's graceful stop finds the stream through its socket and ends it.
    if (raw instanceof ServerResponse && raw.socket) {
      const self = this;
      this.#untrack = trackLongLived(raw.socket, {
        drain: () => self.close(),
        get open() {
          return !self.#finished;
        },
      });
    }
  }

  /** True once no more events can be sent (closed by either side). */
  get isClosed(): boolean {
    return this.#ended || this.#finished || this.body.destroyed;
  }

  /**
   * Sends an event (a string is `{ data: string }`). Returns false when the client is
   * behind (its buffer is above the high-water mark) or the stream is closed.
   */
  send(message: SseMessage | string): boolean {
    return this.#write(encodeSseMessage(message));
  }

  /** Sends a comment line (ignored by EventSource; keeps intermediaries from timing out). */
  comment(text = ''): boolean {
    const lines = text.split(NEWLINE).map((line) => (line === '' ? ':' : `: ${line}`));
    return this.#write(`${lines.join('\n')}\n\n`);
  }

  /** Calls `fn` once the stream is over (client disconnect included). */
  onClose(fn: () => void): this {
    void this.closed.then(() => {
      try {
        fn();
      } catch (err) {
        console.error('volley: an SSE onClose callback threw:', err);
      }
    });
    return this;
  }

  /** Ends the stream cleanly (what was sent still reaches the client). */
  close(): void {
    if (this.#ended || this.#finished) return;
    this.#ended = true;
    this.#stopTimer();
    this.body.push(null);
  }

  #write(chunk: string): boolean {
    const body = this.body;
    if (this.#ended || this.#finished || body.destroyed) return false;
    if (body.readableLength + chunk.length > this.#maxBuffered) {
      // The client does not read: drop it rather than buffer without bound.
      body.destroy();
      return false;
    }
    return body.push(chunk);
  }

  /** The response started consuming the body: the chain is over, headers go out now. */
  #onFlowing(): void {
    const raw = this.#raw as ServerResponse;
    // Headers are written lazily by Node; an EventSource opens only once it sees them.
    if (raw.headersSent && !raw.writableEnded && typeof raw.flushHeaders === 'function') raw.flushHeaders();
    if (this.#keepAlive > 0 && !this.#ended && !this.#finished) {
      this.#timer = setInterval(() => this.comment(), this.#keepAlive);
      this.#timer.unref();
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopTimer();
    this.#untrack?.();
    if (!this.body.destroyed && !this.body.readableEnded) this.body.destroy();
    this.#resolveClosed();
  }
}
