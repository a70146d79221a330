import { stat } from 'node:fs/promises';
import { type OutgoingHttpHeaders, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { basename, dirname } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { type SerializeOptions, serialize as serializeCookie } from 'cookie';
import type send from 'send';
import { lazyRequire } from '../lazy-require.js';

const loadSend = lazyRequire<typeof send>('send');

import type { Request } from './request.js';
import { type SseOptions, SseStream } from './sse.js';
import { StatusError } from './status-error.js';

export type RawResponse = ServerResponse | Http2ServerResponse;

const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const BYTES = 'application/octet-stream';
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-disposition',
  'etag',
  'last-modified',
];

export interface SendFileOptions {
  /** Cache-Control max-age in ms (send's `maxAge`). */
  maxAge?: number;
  /** Send as an attachment with this file name (Content-Disposition). */
  attachment?: string;
  /** Add `immutable` to Cache-Control (send's `immutable`; use with a long `maxAge`). */
  immutable?: boolean;
}

/**
 * The headers bag: a null-prototype object, like `Object.create(null)` (no inherited
 * `constructor` or `__proto__` to collide with header names), but made by a constructor whose
 * prototype is a null-prototype object. V8 keeps `Object.create(null)` objects in dictionary
 * mode, so every header store and load went through the slow generic IC path, and Node's
 * writeHead walked a dictionary (`for in` + hasOwn): about 2,000 CPU instructions more per
 * request than a plain object in a callgrind count of the hello benchmark. Objects made here are
 * ordinary fast-mode objects with the same behaviour.
 */
const HeaderBag = function HeaderBag(this: OutgoingHttpHeaders) {} as unknown as new () => OutgoingHttpHeaders;
HeaderBag.prototype = Object.create(null);

interface FileBody {
  path: string;
  options: SendFileOptions;
}

type Body = string | Buffer | Readable | FileBody | undefined;

/**
 * The response a handler builds. Like Salvo's, it is buffered: status, headers and body
 * are kept until the whole handler chain has run, so hoops can still change them after
 * `ctrl.callNext()` (compression, caching headers, error pages), then written in one go.
 */
export class Response {
  // One of these is made per request. Its fields are declared without initialisers and set
  // in the constructor (TypeScript `private` instead of `#`, which always has an
  // initialiser): V8 runs class field initialisers as a separate function, which it did not
  // inline into the request handler (~70 instructions per request in a callgrind count).
  declare readonly raw: RawResponse;
  declare private readonly req: Request;
  declare private readonly logError: ((err: unknown, req: Request) => void) | undefined;
  declare private onTakeOver: ((headers: OutgoingHttpHeaders) => void) | undefined;
  /** The status set so far, or undefined (then 200 with a body, else the framework decides). */
  declare statusCode: number | undefined;
  /** Headers to send, lowercase names. */
  declare readonly headers: OutgoingHttpHeaders;
  declare private content: Body;
  /** The error that set an error status, for the Catcher to render. */
  declare error: StatusError | undefined;

  /** `logError` receives errors that happen after the chain (a body stream failing midway). */
  constructor(raw: RawResponse, req: Request, logError?: (err: unknown, req: Request) => void) {
    this.raw = raw;
    this.req = req;
    this.logError = logError;
    this.onTakeOver = undefined;
    this.statusCode = undefined;
    this.headers = new HeaderBag();
    this.content = undefined;
    this.error = undefined;
  }

  /**
   * @internal Reports an unexpected error the way the Service does (its `logError`), for
   * handlers whose work outlives the chain (WebSocket handlers, proxied streams).
   */
  reportError(err: unknown): void {
    if (this.logError) this.logError(err, this.req);
    else logStreamError(err, this.req);
  }

  /**
   * @internal Hands the connection over instead of writing a response once the chain has
   * run (a WebSocket upgrade, a proxied upgrade). `fn` gets the headers hoops set. A status
   * of 300 or more set after this (an error, a hoop's refusal) wins: the response is
   * written as usual and `fn` is not called.
   */
  takeOver(fn: (headers: OutgoingHttpHeaders) => void): this {
    this.onTakeOver = fn;
    return this;
  }

  /**
   * A server-sent events stream as the body (`text/event-stream`, `cache-control: no-cache`,
   * `x-accel-buffering: no`). Events sent before the chain ends are flushed with the
   * headers when it ends; later ones are written as they are sent. See SseStream.
   */
  sse(options: SseOptions = {}): SseStream {
    const stream = new SseStream(this.raw, this.req.header('last-event-id'), options);
    this.headers['content-type'] = 'text/event-stream';
    this.headers['cache-control'] = 'no-cache';
    this.headers['x-accel-buffering'] = 'no';
    delete this.headers['content-length'];
    this.content = stream.body;
    return stream;
  }

  status(code: number): this {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`invalid status code ${code}`);
    this.statusCode = code;
    return this;
  }

  /** Sets a header (replacing it), or appends when `append` is true. */
  header(name: string, value: string | number | readonly string[], append = false): this {
    const key = name.toLowerCase();
    const current = this.headers[key];
    if (append && current !== undefined) {
      const list = Array.isArray(current) ? current : [String(current)];
      this.headers[key] = list.concat(typeof value === 'object' ? value : String(value));
    } else {
      this.headers[key] = typeof value === 'object' ? [...value] : value;
    }
    return this;
  }

  getHeader(name: string): string | number | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }

  removeHeader(name: string): this {
    delete this.headers[name.toLowerCase()];
    return this;
  }

  /** True once a body was set (by render, text, json, html, stream, sendFile or redirect). */
  get hasBody(): boolean {
    return this.content !== undefined;
  }

  /** The body as set so far (string, Buffer, Readable or a file), for hoops that transform it. */
  get body(): string | Buffer | Readable | undefined {
    const b = this.content;
    return b === undefined || typeof b === 'string' || Buffer.isBuffer(b) || b instanceof Readable ? b : undefined;
  }

  /** Replaces the body without touching headers (for hoops such as compression). */
  setBody(body: string | Buffer | Readable | undefined): this {
    if (body instanceof Readable) holdErrors(body);
    this.content = body;
    return this;
  }

  /**
   * @internal Drops the body and the headers that describe it (the Service does this
   * before an error page replaces what a failed handler had rendered).
   */
  discardBody(): this {
    this.content = undefined;
    for (const name of BODY_HEADERS) delete this.headers[name];
    return this;
  }

  /** Salvo's "stamped": a redirect or error status stops the rest of the handler chain. */
  get isStamped(): boolean {
    return this.statusCode !== undefined && this.statusCode >= 300;
  }

  /** True once Node has sent the headers (after the chain finished, or a handler wrote to `raw`). */
  get headersSent(): boolean {
    return this.raw.headersSent;
  }

  private setTypeIfUnset(contentType: string): void {
    if (this.headers['content-type'] === undefined) this.headers['content-type'] = contentType;
  }

  text(body: string, contentType = TEXT): this {
    this.headers['content-type'] = contentType;
    this.content = body;
    return this;
  }

  html(body: string): this {
    return this.text(body, HTML);
  }

  json(value: unknown): this {
    this.headers['content-type'] = JSON_TYPE;
    this.content = JSON.stringify(value) ?? 'null';
    return this;
  }

  /**
   * Renders a value: string as text/plain, bytes (Buffer, typed array, ArrayBuffer) as
   * application/octet-stream, a Readable as a stream, anything else as JSON; undefined and
   * null render nothing. A Content-Type set before is kept.
   */
  render(value: unknown): this {
    if (value === undefined || value === null) return this;
    if (typeof value === 'string') {
      this.setTypeIfUnset(TEXT);
      this.content = value;
    } else if (Buffer.isBuffer(value)) {
      this.setTypeIfUnset(BYTES);
      this.content = value;
    } else if (ArrayBuffer.isView(value)) {
      this.setTypeIfUnset(BYTES);
      this.content = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    } else if (value instanceof ArrayBuffer) {
      this.setTypeIfUnset(BYTES);
      this.content = Buffer.from(value);
    } else if (value instanceof Readable) {
      this.stream(value);
    } else {
      this.setTypeIfUnset(JSON_TYPE);
      this.content = JSON.stringify(value);
    }
    return this;
  }

  redirect(url: string, status = 302): this {
    if (status < 300 || status > 399) throw new RangeError(`redirect needs a 3xx status, got ${status}`);
    this.statusCode = status;
    this.headers.location = url;
    this.setTypeIfUnset(TEXT);
    this.content = `Redirecting to ${url}`;
    return this;
  }

  /** Streams a body; it is piped once the handler chain has finished. */
  stream(body: Readable | AsyncIterable<Uint8Array | string>, contentType = BYTES): this {
    this.setTypeIfUnset(contentType);
    this.content = holdErrors(body instanceof Readable ? body : Readable.from(body));
    return this;
  }

  /**
   * Sends a file with Range, ETag, Last-Modified and a content type from its extension
   * (through the `send` package). A missing file is a 404.
   */
  async sendFile(path: string, options: SendFileOptions = {}): Promise<this> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw StatusError.notFound(`no such file: ${basename(path)}`);
    if (options.attachment !== undefined) {
      this.headers['content-disposition'] = `attachment; filename="${options.attachment.replace(/["\\\r\n]/g, '_')}"`;
    }
    this.content = { path, options };
    return this;
  }

  cookie(name: string, value: string, options: SerializeOptions = {}): this {
    return this.header('set-cookie', serializeCookie(name, value, { path: '/', httpOnly: true, ...options }), true);
  }

  clearCookie(name: string, options: SerializeOptions = {}): this {
    return this.cookie(name, '', { ...options, expires: new Date(0), maxAge: undefined });
  }

  /** Writes status, headers and body to Node's response. Called once, after the chain. */
  flush(): void {
    const raw = this.raw;
    if (raw.headersSent || raw.writableEnded) return;
    const takeOver = this.onTakeOver;
    if (takeOver !== undefined && (this.statusCode === undefined || this.statusCode < 300)) {
      this.onTakeOver = undefined;
      takeOver(this.headers);
      return;
    }
    const body = this.content;
    const status = this.statusCode ?? 200;
    const headers = this.headers;
    // HTTP/1: close rather than read the rest of a refused body. (HTTP/2 forbids the header;
    // the stream is reset instead once the response ends.)
    if (this.req.bodyTooLarge && this.req.raw.httpVersionMajor !== 2) headers.connection = 'close';
    if (status === 204 || status === 304) {
      // These statuses never carry a body (nor, for 204, a Content-Length).
      if (body instanceof Readable) body.destroy();
      if (status === 204) delete headers['content-length'];
      (raw as ServerResponse).writeHead(status, headers);
      raw.end();
    } else if (body === undefined) {
      if (headers['content-length'] === undefined) headers['content-length'] = 0;
      (raw as ServerResponse).writeHead(status, headers);
      raw.end();
    } else if (typeof body === 'string') {
      headers['content-length'] = Buffer.byteLength(body);
      (raw as ServerResponse).writeHead(status, headers);
      raw.end(body);
    } else if (Buffer.isBuffer(body)) {
      headers['content-length'] = body.length;
      (raw as ServerResponse).writeHead(status, headers);
      raw.end(body);
    } else if (body instanceof Readable && body.errored) {
      // The stream failed before anything was sent (a file that cannot be opened): a 500.
      this.reportError(body.errored);
      (raw as ServerResponse).writeHead(500, { 'content-type': TEXT, 'content-length': 25 });
      raw.end('500 Internal Server Error');
    } else if (body instanceof Readable) {
      (raw as ServerResponse).writeHead(status, headers);
      if (this.req.method === 'HEAD') {
        body.destroy();
        raw.end();
      } else {
        // An error midway (a Readable that fails, an async generator that throws) cannot
        // become an error page: the headers are out. The connection is cut, so the client
        // sees a truncated body, and the error is logged; the process keeps serving.
        pipeline(body, raw as ServerResponse, (err) => {
          if (err && !isClientGone(err)) this.reportError(err);
        });
      }
    } else {
      this.sendFileBody(body, status);
    }
  }

  private sendFileBody(file: FileBody, status: number): void {
    const raw = this.raw as ServerResponse;
    for (const [name, value] of Object.entries(this.headers)) {
      if (value !== undefined) raw.setHeader(name, value);
    }
    if (this.statusCode !== undefined) raw.statusCode = status;
    const stream = loadSend()(this.req.raw as never, encodeURIComponent(basename(file.path)), {
      root: dirname(file.path),
      dotfiles: 'allow',
      index: false,
      maxAge: file.options.maxAge ?? 0,
      immutable: file.options.immutable ?? false,
    });
    stream.on('error', (err: { status?: number; headers?: Record<string, string> }) => {
      if (raw.headersSent) {
        raw.destroy();
        return;
      }
      raw.statusCode = err.status ?? 500;
      // e.g. `Content-Range: bytes */<size>` with a 416 for an unsatisfiable Range.
      for (const [name, value] of Object.entries(err.headers ?? {})) raw.setHeader(name, value);
      raw.removeHeader('content-length');
      raw.setHeader('content-type', TEXT);
      raw.end(STATUS_CODES[raw.statusCode] ?? 'Internal Server Error');
    });
    stream.pipe(raw);
  }
}

/** Errors that only mean the client went away (nothing to log). */
function isClientGone(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE';
}

function logStreamError(err: unknown, req: Request): void {
  const what = err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(`volley: ${req.method} ${req.path} failed: ${what}`);
}

const ignore = (): void => undefined;

/**
 * A body stream may fail before the chain has ended and the response pipes it (a file
 * stream that cannot open, while an async hoop still runs): with no listener that would be
 * an uncaught 'error' and the end of the process. The error stays on the stream
 * (`errored`) and the pipe reports it once it starts.
 */
function holdErrors(body: Readable): Readable {
  if (!body.listeners('error').includes(ignore)) body.on('error', ignore);
  return body;
}
