// Tracing end to end: the gateway example under `volley serve`, traced by the OpenTelemetry SDK
// in its worker (test/fixtures/otel-setup.mjs) and exporting over OTLP/HTTP to a receiver in
// this test, in front of an upstream that is a Volley Service in this process, traced by an SDK
// with an in-memory exporter. One request must be one trace across both.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SignJWT } from 'jose';
import { Router, Service } from 'volley';
import { freePort } from '../helpers/net.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

const SECRET = 'gateway-trace-test-secret-of-32-bytes!!';
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
after(() => provider.shutdown());

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

/** OTLP/JSON ids are hex; some encoders use base64: either way, hex. */
const hex = (id: string | undefined) =>
  id === undefined || /^[0-9a-f]*$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');

function attr(span: OtlpSpan, key: string): string | number | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
}

test('a request through the gateway: a client span in the gateway, a server span upstream, one trace id; spans arrive over OTLP/HTTP', async (t) => {
  // The OTLP receiver.
  const received: { contentType: string; body: unknown }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      received.push({
        contentType: String(req.headers['content-type']),
        body: req.url === '/v1/traces' ? JSON.parse(body) : body,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.after(() => receiver.close());
  const receiverPort = (receiver.address() as AddressInfo).port;

  // The upstream: a traced Volley Service in this process.
  const upstream = http.createServer(new Service(new Router('{**rest}').get((req) => ({ path: req.path }))).handle);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => upstream.close());
  const upPort = (upstream.address() as AddressInfo).port;

  const port = await freePort();
  const gateway = new VolleyProcess(
    ['serve', `${repoRoot}/examples/gateway.ts`, '--workers', '1', '--listen', `127.0.0.1:${port}`],
    {
      UPSTREAM_USERS: `http://127.0.0.1:${upPort}`,
      JWT_SECRET: SECRET,
      OTLP_TRACES_URL: `http://127.0.0.1:${receiverPort}/v1/traces`,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${fixture('otel-setup.mjs')}`.trim(),
    },
  );
  t.after(() => gateway.dispose());
  await gateway.ready();

  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ana')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port, path: '/api/users/42', agent: false, headers: { authorization: `Bearer ${jwt}` } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      )
      .on('error', reject);
  });
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(JSON.parse(answer.body), { path: '/42' });

  // The gateway's spans, as the OTLP receiver got them.
  const spans = (): OtlpSpan[] =>
    received.flatMap((r) =>
      ((r.body as { resourceSpans?: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans ?? []).flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
  const deadline = Date.now() + 10_000;
  while (!(spans().some((s) => s.kind === 2) && spans().some((s) => s.kind === 3)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const server = spans().find((s) => s.kind === 2); // SPAN_KIND_SERVER
  const client = spans().find((s) => s.kind === 3); // SPAN_KIND_CLIENT
  assert.ok(server && client, `gateway spans over OTLP: ${JSON.stringify(spans().map((s) => s.name))}`);
  assert.match(received[0]!.contentType, /application\/json/);
  assert.equal(server.name, 'GET /api/users/{**rest}');
  assert.equal(attr(server, 'http.route'), '/api/users/{**rest}');
  assert.equal(attr(server, 'url.path'), '/api/users/42');
  assert.equal(attr(server, 'http.response.status_code'), 200);
  assert.equal(attr(server, 'volley.worker.id'), 1);
  assert.equal(client.name, 'GET');
  assert.equal(attr(client, 'url.full'), `http://127.0.0.1:${upPort}/42`);
  assert.equal(hex(client.parentSpanId), hex(server.spanId));

  // The upstream's server span, from this process's in-memory exporter: the same trace.
  const upstreamSpan = exporter
    .getFinishedSpans()
    .find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/42');
  assert.ok(upstreamSpan, 'the upstream traced the request');
  assert.equal(upstreamSpan.spanContext().traceId, hex(client.traceId));
  assert.equal(upstreamSpan.parentSpanContext?.spanId, hex(client.spanId));
});
