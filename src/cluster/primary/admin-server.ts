import { timingSafeEqual } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';
import { parseAddress, resolveHost } from '../../server/address.js';
import { isSocketLive, removeSocketFile } from '../../server/unix-listener.js';
import { openUnixSocket, removeQuietly } from './admin-socket.js';
import { OperationError } from './errors.js';
import type { Supervisor } from './supervisor.js';

export interface AdminOptions {
  /** `host:port` (loopback unless a token is set) or `unix:/path` (created with mode 0600). */
  address: string;
  /** Bearer token every POST must carry. */
  token?: string;
  /** A listening socket handed over by a predecessor primary: served as it is, not bound. */
  fd?: number;
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost';
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The supervisor's admin endpoint: GET /healthz /readyz /status, POST /reload /scale /stop /upgrade
 * (and the GET routes others add: /metrics, /logs, the dashboard: admin-views.ts).
 * It is served by the primary itself (it never accepts on the workers' sockets).
 */
export class AdminServer {
  readonly #supervisor: Supervisor;
  readonly #options: AdminOptions;
  readonly #server: http.Server;
  #path: string | undefined;
  /** Whether close() removes the unix socket file (not once a successor serves on it). */
  #ownsPath = false;
  /** POST /upgrade: resolves with the successor's pid once it serves, rejects with why not. */
  onUpgrade: (() => Promise<{ pid: number }>) | undefined;
  /** Extra GET routes (e.g. /metrics), added by other parts of the primary. */
  readonly routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>();

  constructor(supervisor: Supervisor, options: AdminOptions) {
    this.#supervisor = supervisor;
    this.#options = options;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => reply(res, 500, { error: (err as Error).message }));
    });
    this.#server.keepAliveTimeout = 1000;
  }

  get description(): string {
    const a = this.#server.address();
    if (a && typeof a === 'object') return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return `unix:${this.#path}`;
  }

  /** The listening socket's fd (for an upgrade's handover), once listening. */
  get fd(): number | undefined {
    const handle = (this.#server as unknown as { _handle?: { fd?: number } })._handle;
    return handle?.fd !== undefined && handle.fd >= 0 ? handle.fd : undefined;
  }

  /** A successor serves on the socket now: stop accepting on it here and leave its file to the successor. */
  handOver(): void {
    this.#ownsPath = false;
    this.#server.close();
  }

  /** This primary serves on the handed-over socket now (the predecessor left): its file is ours to remove. */
  takeOver(): void {
    this.#ownsPath = this.#path !== undefined;
  }

  async listen(): Promise<void> {
    const address = parseAddress(this.#options.address, '--admin');
    const fd = this.#options.fd;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (err) => reject(new UsageError(`--admin ${this.#options.address}: ${err.message}`)));
      if (address.kind === 'unix') {
        this.#path = address.path;
        if (fd !== undefined) {
          this.#server.listen({ fd }, resolve);
          return;
        }
        isSocketLive(address.path)
          .then(async (live) => {
            if (live) throw new Error('address in use: a server is listening there');
            await removeSocketFile(address.path);
            const opened = openUnixSocket(address.path);
            if (opened !== undefined) {
              this.#ownsPath = true;
              this.#server.listen({ fd: opened }, resolve);
              return;
            }
            this.#server.listen({ path: address.path }, () => {
              chmod(address.path, 0o600).then(resolve, reject);
            });
          })
          .catch((err: Error) => reject(new UsageError(`--admin ${this.#options.address}: ${err.message}`)));
        return;
      }
      resolveHost(address.host, '--admin').then((host) => {
        if (!isLoopback(host) && !this.#options.token) {
          reject(
            new UsageError(
              `--admin ${this.#options.address}: a non-loopback admin address needs --admin-token (or use 127.0.0.1 or unix:)`,
            ),
          );
          return;
        }
        if (fd !== undefined) this.#server.listen({ fd }, resolve);
        else this.#server.listen({ host: isIP(host) ? host : address.host, port: address.port }, resolve);
      }, reject);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        if (this.#ownsPath && this.#path) removeQuietly(this.#path);
        this.#ownsPath = false;
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const supervisor = this.#supervisor;
    if (req.method === 'GET' || req.method === 'HEAD') {
      switch (url.pathname) {
        case '/healthz':
          return supervisor.healthy
            ? reply(res, 200, { status: 'ok' })
            : reply(res, 503, { status: 'no ready worker' });
        case '/readyz':
          return supervisor.ready
            ? reply(res, 200, { status: 'ready' })
            : reply(res, 503, { status: supervisor.stopping ? 'stopping' : 'not ready' });
        case '/status':
          return reply(res, 200, supervisor.status());
      }
      const route = this.routes.get(url.pathname);
      if (route) return route(req, res);
      return reply(res, 404, { error: `no such admin endpoint: ${url.pathname}` });
    }
    if (req.method !== 'POST') return reply(res, 405, { error: 'use GET or POST' });
    // A web page elsewhere must not drive a browser into POSTing here (the dashboard's own are same-origin).
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site')
      return reply(res, 403, { error: 'cross-site requests are refused' });
    if (this.#options.token !== undefined) {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), this.#options.token)) {
        res.setHeader('www-authenticate', 'Bearer');
        return reply(res, 401, { error: 'missing or wrong admin token' });
      }
    }
    switch (url.pathname) {
      case '/reload':
        try {
          await supervisor.reload();
          return reply(res, 200, { status: 'reloaded', workers: supervisor.status().workers });
        } catch (err) {
          return reply(res, 500, { error: (err as Error).message });
        }
      case '/scale': {
        const workers = Number(url.searchParams.get('workers'));
        if (!Number.isInteger(workers) || workers < 1) {
          return reply(res, 400, { error: 'scale needs ?workers=N with N a positive integer' });
        }
        try {
          await supervisor.scale(workers);
          return reply(res, 200, { status: 'scaled', desiredWorkers: workers });
        } catch (err) {
          return reply(res, 500, { error: (err as Error).message });
        }
      }
      case '/upgrade':
        if (!this.onUpgrade) return reply(res, 404, { error: 'this primary cannot be upgraded' });
        try {
          const { pid } = await this.onUpgrade();
          return reply(res, 200, { status: `upgraded: primary ${pid} serves now`, pid, previous: process.pid });
        } catch (err) {
          // Refused (already upgrading, a reload runs) is a conflict; a successor that failed, an error.
          return reply(res, err instanceof OperationError ? 409 : 500, { error: (err as Error).message });
        }
      case '/stop':
        reply(res, 202, { status: 'stopping' });
        void supervisor.stop('POST /stop');
        return;
    }
    return reply(res, 404, { error: `no such admin endpoint: ${url.pathname}` });
  }
}
