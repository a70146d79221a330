import { parse as parseCookie } from 'cookie';
import { DEFAULT_BODY_LIMIT, mediaType, type RawRequest, readBody } from './body.js';
import { FormData, parseMultipart, parseUrlEncoded } from './form.js';
import { StatusError } from './status-error.js';

const NO_PARAMS: Record<string, string> = Object.freeze(Object.create(null));

/**
 * The request a handler sees. It wraps Node's IncomingMessage (or Http2ServerRequest)
 * and parses lazily: query string, cookies and body are only read when asked for.
 */
export class Request {
  /** Node's request object, for what this class does not cover. */
  readonly raw: RawRequest;
  /** Uppercase method, e.g. 'GET'. */
  readonly method: string;
  /** Path without the query string, as sent (not percent-decoded). */
  readonly path: string;
  /** Path params of the matched route (set by the router). */
  params: Record<string, string> = NO_PARAMS;
  /** The matched route pattern, e.g. '/users/{id}', or undefined on 404/405. */
  route: string | undefined;
  /** Body size limit in bytes for this request (router `bodyLimit` or `setBodyLimit`). */
  bodyLimit = DEFAULT_BODY_LIMIT;

  readonly #rawQuery: string;
  #query: URLSearchParams | undefined;
  #cookies: Record<string, string | undefined> | undefined;
  #hostname: string | undefined;
  #body: Promise<Buffer> | undefined;
  #form: Promise<FormData> | undefined;
  // True once a multipart form streamed the body to busboy (it cannot be read again as bytes).
  #streamed = false;
  #bodyTooLarge = false;
  /** @internal Forms with uploads, whose temporary files the Service removes after the response. */
  uploads: FormData[] | undefined;

  constructor(raw: RawRequest) {
    this.raw = raw;
    this.method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    if (q < 0) {
      this.path = url;
      this.#rawQuery = '';
    } else {
      this.path = url.slice(0, q);
      this.#rawQuery = url.slice(q + 1);
    }
  }

  /** The Host (or :authority) without port, lowercased. */
  get hostname(): string {
    if (this.#hostname === undefined) {
      const host = (this.raw.headers[':authority'] as string | undefined) ?? this.raw.headers.host ?? '';
      const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.indexOf(':');
      this.#hostname = (end > 0 ? host.slice(0, end) : host).toLowerCase();
    }
    return this.#hostname;
  }

  /** The raw query string without '?'. */
  get queryString(): string {
    return this.#rawQuery;
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

  param(name: string): string | undefined {
    return this.params[name];
  }

  /** First value of a query parameter. */
  query(name: string): string | undefined {
    if (this.#rawQuery === '') return undefined;
    return this.#parsedQuery().get(name) ?? undefined;
  }

  /** Every value of a repeated query parameter (`?tag=a&tag=b`). */
  queries(name: string): string[] {
    if (this.#rawQuery === '') return [];
    return this.#parsedQuery().getAll(name);
  }

  #parsedQuery(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.#rawQuery);
    return this.#query;
  }

  /** A header value, name case-insensitive; repeated headers are joined with ', '. */
  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  cookie(name: string): string | undefined {
    this.#cookies ??= parseCookie(this.header('cookie') ?? '');
    return this.#cookies[name];
  }

  /** Overrides the body limit for this request (call before reading the body). */
  setBodyLimit(bytes: number): this {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`body limit must be a non-negative integer`);
    this.bodyLimit = bytes;
    return this;
  }

  /** True once a read was refused for passing the body limit (the response then closes the connection). */
  get bodyTooLarge(): boolean {
    return this.#bodyTooLarge;
  }

  /**
   * The whole body as bytes (read once; later calls, and text/json/urlencoded form, share
   * the result). 413 past the limit. After a multipart `form()` the body is gone: this throws.
   */
  bytes(): Promise<Buffer> {
    if (this.#streamed) {
      return Promise.reject(new Error('the request body was already streamed by req.form() (multipart)'));
    }
    this.#body ??= readBody(this.raw, this.bodyLimit).catch((err: unknown) => {
      if (err instanceof StatusError && err.status === 413) this.#bodyTooLarge = true;
      throw err;
    });
    return this.#body;
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
    this.#form ??= this.#readForm();
    return this.#form;
  }

  async #readForm(): Promise<FormData> {
    const type = mediaType(this.header('content-type'));
    if (type === 'application/x-www-form-urlencoded') return parseUrlEncoded(await this.bytes());
    if (type !== 'multipart/form-data') {
      throw StatusError.unsupportedMediaType(`expected a form body, got content-type '${type || 'none'}'`);
    }
    if (this.#body) throw new Error('the request body was already read as bytes; a multipart form cannot be parsed');
    this.#streamed = true;
    const form = new FormData();
    this.uploads ??= [];
    this.uploads.push(form);
    try {
      await parseMultipart(this.raw, this.bodyLimit, form);
    } catch (err) {
      if (err instanceof StatusError && err.status === 413) this.#bodyTooLarge = true;
      throw err;
    }
    return form;
  }
}
