import { parse as parseCookie } from 'cookie';
import type { Logger } from 'pino';
import { DEFAULT_BODY_LIMIT, mediaType, type RawRequest, readBody } from './body.js';
import { FormData, parseMultipart, parseUrlEncoded } from './form.js';
import { requestLogger } from './request-logger.js';
import { StatusError } from './status-error.js';
import { BodyConsumedError } from './usage-errors.js';

const NO_PARAMS: Record<string, string> = Object.freeze(Object.create(null));

/** The parts of a Request that are computed or read on demand. */
class LazyState {
  query: URLSearchParams | undefined = undefined;
  cookies: Record<string, string | undefined> | undefined = undefined;
  hostname: string | undefined = undefined;
  body: Promise<Buffer> | undefined = undefined;
  form: Promise<FormData> | undefined = undefined;
  /** True once a multipart form streamed the body to busboy (it cannot be read again as bytes). */
  streamed = false;
  bodyTooLarge = false;
  /** Forms with uploads, whose temporary files the Service removes after the response. */
  uploads: FormData[] | undefined = undefined;
  log: Logger | undefined = undefined;
}

/**
 * The request a handler sees. It wraps Node's IncomingMessage (or Http2ServerRequest)
 * and parses lazily: query string, cookies and body are only read when asked for.
 */
export class Request {
  // One of these is made per request. Its fields are declared without initialisers and set
  // in the constructor, always in the same order (TypeScript `private` instead of `#`, which
  // always has an initialiser): V8 runs class field initialisers as a separate function,
  // which it did not inline into the request handler (a callgrind count of the hello
  // benchmark showed it). Rarely used state lives in one object made on first use.
  /** Node's request object, for what this class does not cover. */
  declare readonly raw: RawRequest;
  /** Uppercase method, e.g. 'GET'. */
  declare readonly method: string;
  /** Path without the query string, as sent (not percent-decoded). */
  declare readonly path: string;
  /** Path params of the matched route (set by the router). */
  declare params: Record<string, string>;
  /** The matched route pattern, e.g. '/users/{id}', or undefined on 404/405. */
  declare route: string | undefined;
  /** Body size limit in bytes for this request (router `bodyLimit` or `setBodyLimit`). */
  declare bodyLimit: number;
  declare private readonly rawQuery: string;
  declare private lazy: LazyState | undefined;

  constructor(raw: RawRequest) {
    this.raw = raw;
    this.method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.params = NO_PARAMS;
    this.route = undefined;
    this.bodyLimit = DEFAULT_BODY_LIMIT;
    this.rawQuery = q < 0 ? '' : url.slice(q + 1);
    this.lazy = undefined;
  }

  /** The Host (or :authority) without port, lowercased. */
  get hostname(): string {
    const lazy = this.lazyState();
    if (lazy.hostname === undefined) {
      const host = (this.raw.headers[':authority'] as string | undefined) ?? this.raw.headers.host ?? '';
      const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.indexOf(':');
      lazy.hostname = (end > 0 ? host.slice(0, end) : host).toLowerCase();
    }
    return lazy.hostname;
  }

  /** The raw query string without '?'. */
  get queryString(): string {
    return this.rawQuery;
  }

  get headers(): RawRequest['headers'] {
    return this.raw.headers;
  }

  /** Client address as the socket sees it (no proxy headers are trusted here). */
  get remoteAddr(): string {
    return this.raw.socket?.remoteAddress ?? '';
  }

  get remotePort(): number | undefined {
    return this.raw.socket?.remotePort;
  }

  /**
   * This request's logger: pino's API (`info`, `warn`, `error`, `debug`, `child`, ...), every
   * record carrying `reqId` (the `x-request-id` the requestId() hoop sets, else a new UUID).
   * It writes JSON lines to stdout, which `volley serve` merges. Made on first use.
   */
  get log(): Logger {
    const lazy = this.lazyState();
    lazy.log ??= requestLogger(this.raw.headers);
    return lazy.log;
  }

  param(name: string): string | undefined {
    return this.params[name];
  }

  /** First value of a query parameter. */
  query(name: string): string | undefined {
    if (this.rawQuery === '') return undefined;
    return this.parsedQuery().get(name) ?? undefined;
  }

  /** Every value of a repeated query parameter (`?tag=a&tag=b`). */
  queries(name: string): string[] {
    if (this.rawQuery === '') return [];
    return this.parsedQuery().getAll(name);
  }

  private parsedQuery(): URLSearchParams {
    const lazy = this.lazyState();
    lazy.query ??= new URLSearchParams(this.rawQuery);
    return lazy.query;
  }

  private lazyState(): LazyState {
    this.lazy ??= new LazyState();
    return this.lazy;
  }

  /** A header value, name case-insensitive; repeated headers are joined with ', '. */
  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  cookie(name: string): string | undefined {
    const lazy = this.lazyState();
    lazy.cookies ??= parseCookie(this.header('cookie') ?? '');
    return lazy.cookies[name];
  }

  /** Overrides the body limit for this request (call before reading the body). */
  setBodyLimit(bytes: number): this {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`body limit must be a non-negative integer`);
    this.bodyLimit = bytes;
    return this;
  }

  /** True once a read was refused for passing the body limit (the response then closes the connection). */
  get bodyTooLarge(): boolean {
    return this.lazy?.bodyTooLarge ?? false;
  }

  /** @internal Forms with uploads, whose temporary files the Service removes after the response. */
  get uploads(): FormData[] | undefined {
    return this.lazy?.uploads;
  }

  /** @internal The forms with uploads, handed over once (the Service removes their files). */
  takeUploads(): FormData[] | undefined {
    const forms = this.lazy?.uploads;
    if (forms !== undefined) this.lazy!.uploads = undefined;
    return forms;
  }

  /**
   * The whole body as bytes (read once; later calls, and text/json/urlencoded form, share
   * the result). 413 past the limit. After a multipart `form()` the body is gone: this throws.
   */
  bytes(): Promise<Buffer> {
    const lazy = this.lazyState();
    if (lazy.streamed) {
      return Promise.reject(new BodyConsumedError('the request body was already streamed by req.form() (multipart)'));
    }
    lazy.body ??= readBody(this.raw, this.bodyLimit).catch((err: unknown) => {
      if (err instanceof StatusError && err.status === 413) lazy.bodyTooLarge = true;
      throw err;
    });
    return lazy.body;
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  /** The body parsed as JSON; malformed JSON is a 400. */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw StatusError.badRequest(`malformed JSON body: ${(err as Error).message}`, err);
    }
  }

  /**
   * An urlencoded or multipart form (read once; later calls share the result). Files are
   * streamed by busboy to temporary files, which are deleted once the response has been
   * sent: move or copy a file in the handler to keep it. Other content types are a 415.
   */
  form(): Promise<FormData> {
    const lazy = this.lazyState();
    lazy.form ??= this.readForm(lazy);
    return lazy.form;
  }

  private async readForm(lazy: LazyState): Promise<FormData> {
    const type = mediaType(this.header('content-type'));
    if (type === 'application/x-www-form-urlencoded') return parseUrlEncoded(await this.bytes());
    if (type !== 'multipart/form-data') {
      throw StatusError.unsupportedMediaType(`expected a form body, got content-type '${type || 'none'}'`);
    }
    if (lazy.body)
      throw new BodyConsumedError('the request body was already read as bytes; a multipart form cannot be parsed');
    lazy.streamed = true;
    const form = new FormData();
    lazy.uploads ??= [];
    lazy.uploads.push(form);
    try {
      await parseMultipart(this.raw, this.bodyLimit, form);
    } catch (err) {
      if (err instanceof StatusError && err.status === 413) lazy.bodyTooLarge = true;
      throw err;
    }
    return form;
  }
}
