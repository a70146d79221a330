import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import { otelApi } from './api.js';

/** Where the server span of a request is kept: on Node's response object. */
export const kSpan: unique symbol = Symbol('volley.span');

type Raw = {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingMessage['headers'];
  httpVersion?: string;
  socket?: IncomingMessage['socket'] | null;
};
/** Set once an error was recorded: its status (with the message) stays. */
const kErrored: unique symbol = Symbol('volley.span.errored');

type RawRes = {
  statusCode: number;
  once(event: 'close', fn: () => void): unknown;
  [kSpan]?: Span;
  [kErrored]?: boolean;
};

/** HTTP methods semantic conventions know; others are `_OTHER` (with the original kept). */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
  'QUERY',
]);

const WORKER_ID = process.env.VOLLEY_WORKER_ID !== undefined ? Number(process.env.VOLLEY_WORKER_ID) : undefined;

function hostAndPort(headers: IncomingMessage['headers']): { host?: string; port?: number } {
  const host = (headers[':authority'] as string | undefined) ?? headers.host;
  if (!host) return {};
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!m) return {};
  return { host: m[1]!.replace(/^\[|\]$/g, ''), ...(m[2] ? { port: Number(m[2]) } : {}) };
}

/**
 * Serves one request inside a server span (OpenTelemetry HTTP semantic conventions, stable):
 * the parent from the request's W3C `traceparent`/`tracestate` (the registered propagator),
 * the span active while the handlers run (so app spans and proxy() are its children), named
 * `METHOD /route/{pattern}` once routed (just `METHOD` on 404/405), with http.request.method,
 * url.path, url.scheme, http.route, http.response.status_code, server.address, server.port,
 * client.address, network.protocol.version and volley.worker.id; status error for a 5xx.
 * `serve` returns the route pattern lookup (the Request it made). Errors are added by the
 * Service's error path through recordError().
 */
export function serveTraced(rawReq: Raw, rawRes: RawRes, serve: () => { route: string | undefined }): void {
  const api = otelApi();
  if (api === null) {
    serve();
    return;
  }
  const rawMethod = rawReq.method ?? 'GET';
  const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER';
  const url = rawReq.url ?? '/';
  const q = url.indexOf('?');
  const { host, port } = hostAndPort(rawReq.headers);
  const encrypted = (rawReq.socket as { encrypted?: boolean } | null | undefined)?.encrypted === true;
  const attributes: Record<string, string | number> = {
    'http.request.method': method,
    'url.path': q < 0 ? url : url.slice(0, q),
    'url.scheme': encrypted ? 'https' : 'http',
  };
  if (method === '_OTHER') attributes['http.request.method_original'] = rawMethod;
  if (q >= 0) attributes['url.query'] = url.slice(q + 1);
  if (host !== undefined) attributes['server.address'] = host;
  if (port !== undefined) attributes['server.port'] = port;
  const peer = rawReq.socket?.remoteAddress;
  if (peer) attributes['client.address'] = peer;
  if (rawReq.httpVersion) attributes['network.protocol.version'] = rawReq.httpVersion;
  if (WORKER_ID !== undefined && !Number.isNaN(WORKER_ID)) attributes['volley.worker.id'] = WORKER_ID;
  const userAgent = rawReq.headers['user-agent'];
  if (userAgent) attributes['user_agent.original'] = userAgent;

  const parent = api.propagation.extract(api.ROOT_CONTEXT, rawReq.headers);
  const tracer = api.trace.getTracer('volley', VERSION);
  const span = tracer.startSpan(
    method === '_OTHER' ? 'HTTP' : method,
    { kind: api.SpanKind.SERVER, attributes },
    parent,
  );
  rawRes[kSpan] = span;
  let route: string | undefined;
  rawRes.once('close', () => {
    if (route !== undefined) {
      span.setAttribute('http.route', route);
      span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${route}`);
    }
    const status = rawRes.statusCode;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500 && rawRes[kErrored] !== true) {
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.setAttribute('error.type', String(status));
    }
    span.end();
  });
  api.context.with(api.trace.setSpan(parent, span), () => {
    route = serve().route;
  });
}

/** Records a handler's error on the request's server span (the Service's error path calls it). */
export function recordError(rawRes: object, err: unknown): void {
  const span = (rawRes as RawRes)[kSpan];
  if (span === undefined) return;
  (rawRes as RawRes)[kErrored] = true;
  const api = otelApi();
  span.recordException(err instanceof Error ? err : String(err));
  if (err instanceof Error) span.setAttribute('error.type', err.constructor.name);
  span.setStatus({ code: api?.SpanStatusCode.ERROR ?? 2, message: err instanceof Error ? err.message : String(err) });
}
