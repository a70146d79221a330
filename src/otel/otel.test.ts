import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Service } from '../http/service.js';
import { StatusError } from '../http/status-error.js';
import { TestClient } from '../http/test-client.js';
import { proxy } from '../middleware/proxy.js';
import { Router } from '../routing/index.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
after(() => provider.shutdown());

const app = new Router()
  .push(
    new Router('users/{id}').get((req) => ({
      id: req.param('id'),
      traceId: trace.getActiveSpan()?.spanContext().traceId,
    })),
  )
  .push(
    new Router('boom').get(() => {
      throw new TypeError('kaput');
    }),
  )
  .push(
    new Router('teapot').get(() => {
      throw new StatusError(418, 'short and stout');
    }),
  );

/** The spans ended so far whose url.path is `path`. */
async function spansFor(path: string) {
  // A span ends on the response's 'close', which can come just after the client has the answer.
  for (let i = 0; i < 50; i++) {
    const found = exporter.getFinishedSpans().filter((s) => s.attributes['url.path'] === path);
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  return [];
}

test('a param route: a server span named METHOD /route/{pattern} with the HTTP semantic-convention attributes', async () => {
  const res = await TestClient.get('/users/7?x=1').header('user-agent', 'probe/1').send(app);
  assert.equal(res.status, 200);
  const [span] = await spansFor('/users/7');
  assert.ok(span);
  assert.equal(span.name, 'GET /users/{id}');
  assert.equal(span.kind, SpanKind.SERVER);
  const a = span.attributes;
  assert.equal(a['http.request.method'], 'GET');
  assert.equal(a['http.route'], '/users/{id}');
  assert.equal(a['url.path'], '/users/7');
  assert.equal(a['url.query'], 'x=1');
  assert.equal(a['url.scheme'], 'http');
  assert.equal(a['http.response.status_code'], 200);
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(typeof a['server.port'], 'number');
  assert.match(String(a['client.address']), /^(::ffff:)?127\.0\.0\.1$/);
  assert.equal(a['user_agent.original'], 'probe/1');
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(
    res.json<{ traceId: string }>().traceId,
    span.spanContext().traceId,
    'the span is active in the handler',
  );
});

test('a 404: named by the method only, no http.route, status not an error', async () => {
  const res = await TestClient.get('/nowhere').send(app);
  assert.equal(res.status, 404);
  const [span] = await spansFor('/nowhere');
  assert.ok(span);
  assert.equal(span.name, 'GET');
  assert.equal(span.attributes['http.route'], undefined);
  assert.equal(span.attributes['http.response.status_code'], 404);
  assert.equal(span.status.code, SpanStatusCode.UNSET);
});

test('a thrown error: 500, the exception recorded on the span, status error; a 4xx StatusError is not an error', async () => {
  const quiet = new Service(app, { logError: () => undefined });
  assert.equal((await TestClient.get('/boom').send(quiet)).status, 500);
  const [span] = await spansFor('/boom');
  assert.ok(span);
  assert.equal(span.name, 'GET /boom');
  assert.equal(span.attributes['http.response.status_code'], 500);
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, 'kaput');
  assert.equal(span.attributes['error.type'], 'TypeError');
  const event = span.events.find((e) => e.name === 'exception');
  assert.equal(event?.attributes?.['exception.message'], 'kaput');
  assert.equal(event?.attributes?.['exception.type'], 'TypeError');

  assert.equal((await TestClient.get('/teapot').send(quiet)).status, 418);
  const [teapot] = await spansFor('/teapot');
  assert.equal(teapot?.status.code, SpanStatusCode.UNSET);
  assert.equal(teapot?.events.length, 0);
});

test('W3C traceparent is extracted: the server span continues the caller trace', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = '00f067aa0ba902b7';
  await TestClient.get('/users/9').header('traceparent', `00-${traceId}-${parent}-01`).send(app);
  const [span] = await spansFor('/users/9');
  assert.equal(span?.spanContext().traceId, traceId);
  assert.equal(span?.parentSpanContext?.spanId, parent);
});

test('proxy(): a client span in the gateway, its context injected upstream: one trace across both', async (t) => {
  const upstream = http.createServer(
    new Service(new Router('{**rest}').get((req) => ({ got: req.header('traceparent') }))).handle,
  );
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => upstream.close());
  const upPort = (upstream.address() as AddressInfo).port;
  const toUpstream = proxy(`http://127.0.0.1:${upPort}`);
  t.after(() => toUpstream.close());
  const gateway = new Router('gw/{**rest}').goal(toUpstream);
  const res = await TestClient.get('/gw/items/3').send(gateway);
  assert.equal(res.status, 200);
  const [gatewaySpan] = await spansFor('/gw/items/3');
  const [upstreamSpan] = await spansFor('/items/3');
  assert.ok(gatewaySpan && upstreamSpan);
  let client = exporter
    .getFinishedSpans()
    .find((s) => s.kind === SpanKind.CLIENT && s.attributes['url.full'] === `http://127.0.0.1:${upPort}/items/3`);
  for (let i = 0; !client && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 10));
    client = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT);
  }
  assert.ok(client, 'a client span');
  assert.equal(client.name, 'GET');
  assert.equal(client.attributes['http.response.status_code'], 200);
  assert.equal(client.attributes['server.port'], upPort);
  const id = gatewaySpan.spanContext().traceId;
  assert.equal(client.spanContext().traceId, id);
  assert.equal(upstreamSpan.spanContext().traceId, id, 'the upstream continues the same trace');
  assert.equal(client.parentSpanContext?.spanId, gatewaySpan.spanContext().spanId);
  assert.equal(upstreamSpan.parentSpanContext?.spanId, client.spanContext().spanId);
  assert.equal(res.json<{ got: string }>().got, `00-${id}-${client.spanContext().spanId}-01`);
});
