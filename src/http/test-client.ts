import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteTable } from './contract.js';
import { Service } from './service.js';

/**
 * In-process testing, as Salvo's TestClient: `await TestClient.get('/users/1').send(app)`.
 * Each app gets one loopback server on a free port, created on first use and unreferenced,
 * with keep-alive connections, so thousands of requests cost well under a millisecond each
 * and go through Node's real HTTP parser (so limits and malformed input behave as in production).
 */
export class TestClient {
  static get(url: string): TestRequest {
    return new TestRequest('GET', url);
  }
  static post(url: string): TestRequest {
    return new TestRequest('POST', url);
  }
  static put(url: string): TestRequest {
    return new TestRequest('PUT', url);
  }
  static delete(url: string): TestRequest {
    return new TestRequest('DELETE', url);
  }
  static patch(url: string): TestRequest {
    return new TestRequest('PATCH', url);
  }
  static head(url: string): TestRequest {
    return new TestRequest('HEAD', url);
  }
  static options(url: string): TestRequest {
    return new TestRequest('OPTIONS', url);
  }
  static request(method: string, url: string): TestRequest {
    return new TestRequest(method.toUpperCase(), url);
  }
}

export class TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;

  constructor(status: number, headers: IncomingHttpHeaders, body: Buffer) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const servers = new WeakMap<object, Promise<number>>();

function portFor(app: RouteTable | Service): Promise<number> {
  let port = servers.get(app);
  if (!port) {
    const service = app instanceof Service ? app : new Service(app);
    const server = http.createServer(service.handle);
    // Nothing of the test server may keep the test process alive.
    server.on('connection', (socket) => socket.unref());
    port = new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    server.unref();
    servers.set(app, port);
  }
  return port;
}

export class TestRequest {
  readonly method: string;
  readonly url: string;
  readonly #headers: Record<string, string> = {};
  #body: Buffer | undefined;

  constructor(method: string, url: string) {
    this.method = method;
    this.url = url.startsWith('/') ? url : `/${url}`;
  }

  header(name: string, value: string): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  headers(values: Record<string, string>): this {
    for (const [k, v] of Object.entries(values)) this.header(k, v);
    return this;
  }

  json(value: unknown): this {
    this.#headers['content-type'] ??= 'application/json';
    return this.body(JSON.stringify(value));
  }

  text(value: string): this {
    this.#headers['content-type'] ??= 'text/plain; charset=utf-8';
    return this.body(value);
  }

  form(fields: Record<string, string>): this {
    this.#headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return this.body(new URLSearchParams(fields).toString());
  }

  body(value: string | Buffer): this {
    this.#body = typeof value === 'string' ? Buffer.from(value) : value;
    return this;
  }

  async send(app: RouteTable | Service): Promise<TestResponse> {
    const port = await portFor(app);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.#headers };
      if (this.#body) headers['content-length'] = this.#body.length;
      const req = http.request(
        { host: '127.0.0.1', port, method: this.method, path: this.url, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(new TestResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(this.#body);
    });
  }
}
