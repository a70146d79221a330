import type { Span } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import { otelApi } from './api.js';

/** A client span of one upstream request made by proxy(). */
export interface ClientSpan {
  /** The upstream answered with `status`; the span ends when `body` is done. */
  answered(status: number, body: { once(event: 'close', fn: () => void): unknown }): void;
  failed(err: unknown): void;
}

/**
 * Starts a client span (HTTP semantic conventions: named `METHOD`, http.request.method,
 * server.address, server.port, url.full) as a child of the active span (the request's server
 * span), and injects its context into the upstream request's `headers` (W3C `traceparent`,
 * `tracestate` by the registered propagator), replacing whatever the client sent.
 */
export function startClientSpan(
  method: string,
  url: URL,
  headers: Record<string, string | string[]>,
): ClientSpan | undefined {
  const api = otelApi();
  if (api === null) return undefined;
  const active = api.context.active();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const span: Span = api.trace.getTracer('volley', VERSION).startSpan(
    method,
    {
      kind: api.SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname.replace(/^\[|\]$/g, ''),
        'server.port': port,
        'url.full': url.href,
      },
    },
    active,
  );
  delete headers.traceparent;
  delete headers.tracestate;
  api.propagation.inject(api.trace.setSpan(active, span), headers);
  return {
    answered(status, body) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 400) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: api.SpanStatusCode.ERROR });
      }
      body.once('close', () => span.end());
    },
    failed(err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setAttribute('error.type', err instanceof Error ? err.constructor.name : 'Error');
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.end();
    },
  };
}
