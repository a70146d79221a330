import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { pipeline, Transform } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Pool } from 'undici';
import { lazyRequire } from '../lazy-require.js';
import { startClientSpan } from '../otel/client-span.js';
import { tracingActive } from '../otel/tracing-active.js';

const undici = lazyRequire<typeof import('undici')>('undici');

import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { StatusError } from '../http/status-error.js';
import { claimUpgrade, upgradeOf } from '../server/upgrade.js';

export interface ProxyOptions {
  /**
   * The upstream path (with query) for a request. Default: the route's wildcard param
   * (`{**rest}`, `{*+rest}`, `{*?rest}`) when it has one, so `new Router('api/{**rest}')`
   * strips `/api`; otherwise the request path unchanged. Either way the upstream URL's own
   * path is prepended and the query string kept.
   */
  rewrite?: (req: Request) => string;
  /** Time to open a connection to the upstream; past it: 504. Default 10 s. */
  connectTimeout?: number;
  /** Time until the upstream's response headers arrive; past it: 504. Default 30 s. */
  headersTimeout?: number;
  /** Longest silence while the upstream body streams; past it the client connection is cut. Default 30 s. */
  bodyTimeout?: number;
  /** Send the client's Host upstream instead of the upstream's own. Default false. */
  preserveHost?: boolean;
  /** Add X-Forwarded-For (appended), X-Forwarded-Proto and X-Forwarded-Host. Default true. */
  xForwarded?: boolean;
  /** Connections per upstream. Default: unlimited (undici's default). */
  connections?: number;
  /**
   * Largest request body forwarded, in bytes (413 past it); the body is streamed, never
   * buffered. Default: the request's body limit (`router.bodyLimit()`, else 64 KiB).
   * `Infinity` for none.
   */
  bodyLimit?: number;
}

/** The proxy goal; `close()` closes the connection pools (for tests and clean shutdowns). */
export interface ProxyHandler extends Handler {
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded, plus those undici sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'http2-settings',
]);
const WILDCARD = /\{\*[*+?]([^}|:]+)/g;

interface Upstream {
  origin: string;
  basePath: string;
  host: string;
  pool: Pool;
}

/**
 * A reverse proxy goal through undici: streams request and response bodies, sets
 * X-Forwarded-*, drops hop-by-hop headers both ways, maps upstream failures to 502 and
 * timeouts to 504, and passes WebSocket upgrades through (the two sockets are piped).
 * Several upstreams are used in turn (round robin).
 *
 * ```ts
 * new Router('api/{**rest}').goal(proxy('http://127.0.0.1:9000/v1'))  // /api/x?y → /v1/x?y
 * ```
 */
export function proxy(upstream: string | readonly string[], options: ProxyOptions = {}): ProxyHandler {
  const list = (typeof upstream === 'string' ? [upstream] : [...upstream]).map((u) => upstreamOf(u, options));
  if (list.length === 0) throw new TypeError('proxy() needs at least one upstream');
  let next = 0;
  const goal = async (req: Request, res: Response): Promise<void> => {
    const up = list[next]!;
    next = (next + 1) % list.length;
    const path = up.basePath + upstreamPath(req, options);
    const headers = forwardHeaders(req, up, options);
    if (upgradeOf(req.raw) !== undefined) {
      await proxyUpgrade(req, res, up, path, headers);
      return;
    }
    // The client went away: stop waiting for (or reading) the upstream's answer.
    const abort = new AbortController();
    (res.raw as ServerResponse).once('close', () => abort.abort());
    const body = requestBody(req, options.bodyLimit ?? req.bodyLimit);
    // With a tracer provider: a client span, whose context goes upstream in traceparent.
    const span = tracingActive() ? startClientSpan(req.method, new URL(path, up.origin), headers) : undefined;
    let answer: Awaited<ReturnType<Pool['request']>>;
    try {
      answer = await up.pool.request({
        method: req.method as 'GET',
        path,
        headers,
        body: body ?? null,
        signal: abort.signal,
      });
    } catch (err) {
      span?.failed(err);
      throw mapError(err, abort.signal, up.origin);
    }
    span?.answered(answer.statusCode, answer.body);
    res.status(answer.statusCode);
    copyResponseHeaders(answer.headers, res);
    res.setBody(answer.body as Readable);
  };
  return Object.assign(goal, {
    close: async () => {
      await Promise.all(list.map((u) => u.pool.close()));
    },
  });
}

function upstreamOf(url: string, options: ProxyOptions): Upstream {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`proxy upstream must be an http or https URL, got ${url}`);
  }
  return {
    origin: parsed.origin,
    basePath: parsed.pathname.replace(/\/+$/, ''),
    host: parsed.host,
    pool: new (undici().Pool)(parsed.origin, {
      connect: { timeout: options.connectTimeout ?? 10_000 },
      headersTimeout: options.headersTimeout ?? 30_000,
      bodyTimeout: options.bodyTimeout ?? 30_000,
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
    }),
  };
}

/** Path (starting with '/') and query for the upstream, before the upstream's base path. */
function upstreamPath(req: Request, options: ProxyOptions): string {
  if (options.rewrite) {
    const path = options.rewrite(req);
    return path.startsWith('/') ? path : `/${path}`;
  }
  const query = req.queryString === '' ? '' : `?${req.queryString}`;
  let wildcard: string | undefined;
  for (const m of (req.route ?? '').matchAll(WILDCARD)) wildcard = m[1];
  if (wildcard === undefined) return req.path + query;
  const rest = req.param(wildcard) ?? '';
  return `/${rest.split('/').map(encodeURIComponent).join('/')}${query}`;
}

function droppedHeaders(connection: string | string[] | undefined): Set<string> {
  const dropped = new Set(HOP_BY_HOP);
  for (const value of Array.isArray(connection) ? connection : connection ? [connection] : []) {
    for (const token of value.split(',')) dropped.add(token.trim().toLowerCase());
  }
  return dropped;
}

function forwardHeaders(req: Request, up: Upstream, options: ProxyOptions): Record<string, string | string[]> {
  const incoming = req.headers as IncomingHttpHeaders;
  const dropped = droppedHeaders(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || dropped.has(name) || name.startsWith('proxy-') || name.startsWith(':')) continue;
    // undici refuses `expect` (Node already answered any 100-continue) and sets Host itself.
    if (name === 'expect' || name === 'host') continue;
    out[name] = value;
  }
  const host = req.header('host') ?? req.header(':authority');
  out.host = options.preserveHost && host ? host : up.host;
  if (options.xForwarded !== false) {
    const prior = req.header('x-forwarded-for');
    const peer = req.remoteAddr;
    if (peer) out['x-forwarded-for'] = prior ? `${prior}, ${peer}` : peer;
    out['x-forwarded-proto'] = (req.raw.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http';
    if (host) out['x-forwarded-host'] = host;
  }
  return out;
}

function copyResponseHeaders(headers: IncomingHttpHeaders, res: Response): void {
  const dropped = droppedHeaders(headers.connection);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || dropped.has(name) || name.startsWith('proxy-')) continue;
    res.header(name, value);
  }
}

/** The request body as a stream for undici, or undefined when there is none; 413 past `limit`. */
function requestBody(req: Request, limit: number): Readable | undefined {
  const raw = req.raw as IncomingMessage;
  const length = req.header('content-length');
  if (length === undefined && req.header('transfer-encoding') === undefined) return undefined;
  if (length !== undefined && Number(length) === 0) return undefined;
  if (length !== undefined && Number(length) > limit) {
    throw StatusError.payloadTooLarge(`request body of ${length} bytes is over the limit of ${limit}`);
  }
  if (limit === Number.POSITIVE_INFINITY) return raw;
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(StatusError.payloadTooLarge(`request body is over the limit of ${limit} bytes`));
      else callback(null, chunk);
    },
  });
  pipeline(raw, counter, () => undefined);
  return counter;
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function mapError(err: unknown, signal: AbortSignal, origin: string): unknown {
  if (err instanceof StatusError) return err;
  // The client went away: nobody reads the answer, and it is not the upstream's fault.
  if (signal.aborted) return new StatusError(499, 'client closed the request', { brief: 'Client Closed Request' });
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  // The upstream's address is internal: the client gets a generic detail, the log (the cause,
  // which the Service logs for a 5xx) names the upstream and what went wrong.
  if (TIMEOUTS.has(code)) {
    const cause = new Error(`upstream ${origin} timed out (${code})`, { cause: err });
    return new StatusError(504, 'the upstream service did not answer in time', { cause });
  }
  const cause = new Error(`upstream ${origin} failed: ${code || message}`, { cause: err });
  return new StatusError(502, 'the upstream service is unavailable', { cause });
}

/** WebSocket (any Upgrade) passthrough: the upstream handshake first, then the sockets are piped. */
async function proxyUpgrade(
  req: Request,
  res: Response,
  up: Upstream,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<void> {
  let answered = false;
  let taken = false;
  const abort = new AbortController();
  const signal = abort.signal;
  (res.raw as ServerResponse).once('close', () => {
    if (!answered) abort.abort();
  });
  let answer: Awaited<ReturnType<Pool['upgrade']>>;
  try {
    answer = await up.pool.upgrade({
      path,
      method: req.method,
      headers,
      protocol: req.header('upgrade') ?? 'websocket',
      signal,
    });
  } catch (err) {
    throw mapError(err, signal, up.origin);
  }
  answered = true;
  const upstream = answer.socket;
  upstream.on('error', () => undefined);
  // A later hoop may still refuse (status >= 300): then the upstream socket must not linger.
  (res.raw as ServerResponse).once('close', () => {
    if (!taken) upstream.destroy();
  });
  res.takeOver(() => {
    taken = true;
    const { socket, head } = claimUpgrade(req.raw as IncomingMessage, res.raw as ServerResponse);
    let text = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
    }
    socket.write(`${text}\r\n`);
    if (head.length > 0) upstream.write(head);
    splice(socket, upstream);
  });
}

/** Pipes two sockets into each other; when one ends or fails, so does the other. */
function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const destroyBoth = () => {
    a.destroy();
    b.destroy();
  };
  a.once('close', destroyBoth);
  b.once('close', destroyBoth);
  a.on('error', destroyBoth);
  b.on('error', destroyBoth);
}
