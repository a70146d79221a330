/**
 * For apps that start their own server (Fastify's `app.listen`, NestJS, `server.listen(PORT)`):
 * while a worker runs, a `listen()` on the port (or unix path) of one of the slot's listen
 * addresses is given that slot's socket instead of binding one, as PM2 does for its cluster
 * mode, so the app's own server accepts on the socket the primary owns. A `listen()` on any
 * other port behaves as normal.
 */
import { Server as NetServer } from 'node:net';
import { type ListenAddress, parseAddress } from '../../server/address.js';
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

  /** Makes `server` listen on the slot's first address (through the take-over: installed, it gets that socket). */
  listenOnFirst(server: NetServer): void {
    const address = this.#targets[0]!.address;
    server.listen(address.kind === 'unix' ? address.path : address.port);
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
      // An inherited socket (fd) where the primary made one; under the node:cluster fallback
      // the address itself, which node:cluster then shares with the other workers.
      const { listener, address } = target;
      const options =
        'fd' in listener
          ? { fd: listener.fd }
          : address.kind === 'unix'
            ? { path: address.path }
            : { port: address.port, host: address.host };
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
