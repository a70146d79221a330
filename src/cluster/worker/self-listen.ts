/**
 * For apps that start their own server (Fastify's `app.listen`, NestJS, `server.listen(PORT)`):
 * while a worker runs, a `listen()` on the port (or unix path) of one of the slot's listen
 * addresses is given that slot's socket instead of binding one, as PM2 does for its cluster
 * mode, so the app's own server accepts on the socket the primary owns. A `listen()` on any
 * other port behaves as normal.
 */
import { Server as NetServer } from 'node:net';
import { type ListenAddress, parseAddress } from '../../server/address.js';
import { servesFd } from '../../server/fd-servers.js';
import type { SlotListener } from '../protocol.js';

/** A listen() the worker took over: the app's server, and which of the slot's addresses it got. */
export interface TakenListen {
  server: NetServer;
  label: string;
}

type ListenArgs = unknown[];

/** The port or path a listen() call asks for, as node:net reads its arguments. */
function requested(args: ListenArgs): { port?: number; path?: string } {
  const [first] = args;
  if (typeof first === 'number') return { port: first };
  if (typeof first === 'string') return /^\d+$/.test(first) ? { port: Number(first) } : { path: first };
  if (typeof first === 'object' && first !== null) {
    const o = first as { port?: unknown; path?: unknown; fd?: unknown; handle?: unknown };
    if (o.fd !== undefined || o.handle !== undefined) return {};
    if (typeof o.path === 'string') return { path: o.path };
    if (typeof o.port === 'number' || (typeof o.port === 'string' && /^\d+$/.test(o.port)))
      return { port: Number(o.port) };
  }
  return {};
}

/** A slot's listener with its label parsed (labels are listen addresses: host:port, [v6]:port, unix:/path). */
type Target = { listener: SlotListener; address: ListenAddress };

/**
 * What to listen on for a slot's address: the inherited socket (fd) where the primary made one;
 * under the node:cluster fallback the address itself, which node:cluster then shares with the
 * other workers.
 */
function listenOptions({
  listener,
  address,
}: Target): { fd: number } | { path: string } | { port: number; host: string } {
  if ('fd' in listener) return { fd: listener.fd };
  return address.kind === 'unix' ? { path: address.path } : { port: address.port, host: address.host };
}

export class ListenInterceptor {
  readonly #targets: Target[];
  readonly #original = NetServer.prototype.listen;
  readonly #taken = new Map<string, TakenListen>();
  #onTaken: ((taken: TakenListen) => void) | undefined;

  constructor(listeners: SlotListener[]) {
    this.#targets = listeners.map((listener) => ({ listener, address: parseAddress(listener.label) }));
  }

  /** The first TCP port of the slot (what `$PORT` is set to). */
  get firstPort(): number | undefined {
    for (const { address } of this.#targets) if (address.kind === 'tcp') return address.port;
    return undefined;
  }

  /**
   * Makes an exported server (one that does not listen yet) serve every address of the slot: it
   * listens on the first (through the take-over, so it gets that socket), and a plain net.Server
   * per further address hands each connection it accepts to `server` (a node:http, https or
   * http2 server serves a socket emitted as 'connection' as its own; one server object can only
   * listen once). Returns those forwarders: a drain closes them with the server.
   */
  listenOnAll(server: NetServer): NetServer[] {
    const [first, ...rest] = this.#targets;
    const address = first!.address;
    server.listen(address.kind === 'unix' ? address.path : address.port);
    return rest.map((target) => {
      const forwarder = new NetServer((socket) => server.emit('connection', socket));
      this.#taken.set(target.listener.label, { server: forwarder, label: target.listener.label });
      const options = listenOptions(target);
      if ('fd' in options) servesFd(options.fd, forwarder);
      this.#original.call(forwarder, options);
      return forwarder;
    });
  }

  /** Listens taken over so far. */
  get taken(): TakenListen[] {
    return [...this.#taken.values()];
  }

  /** Called at each listen() taken over, before the server listens. */
  onTaken(handler: (taken: TakenListen) => void): void {
    this.#onTaken = handler;
  }

  install(): void {
    const interceptor = this;
    const original = this.#original;
    NetServer.prototype.listen = function listen(this: NetServer, ...args: ListenArgs) {
      const target = interceptor.#match(requested(args));
      const label = target?.listener.label;
      if (!target || !label || interceptor.#taken.has(label)) return original.apply(this, args as never);
      const callback = args.find((a) => typeof a === 'function') as (() => void) | undefined;
      const taken = { server: this, label };
      interceptor.#taken.set(label, taken);
      // Before it listens, so whoever watches the server sees its first connection.
      interceptor.#onTaken?.(taken);
      const options = listenOptions(target);
      if ('fd' in options) servesFd(options.fd, this);
      return callback ? original.call(this, options, callback) : original.call(this, options);
    } as typeof NetServer.prototype.listen;
  }

  uninstall(): void {
    NetServer.prototype.listen = this.#original;
  }

  #match(wanted: { port?: number; path?: string }): Target | undefined {
    if (wanted.port === undefined && wanted.path === undefined) return undefined;
    return this.#targets.find(({ address }) =>
      wanted.path !== undefined
        ? address.kind === 'unix' && address.path === wanted.path
        : address.kind === 'tcp' && address.port === wanted.port,
    );
  }
}
