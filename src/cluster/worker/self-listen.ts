/**
 * For apps that start their own server (Fastify's `app.listen`, NestJS, `server.listen(PORT)`):
 * while a worker runs, a `listen()` on the port (or unix path) of one of the slot's listen
 * addresses is given that slot's socket instead of binding one, as PM2 does for its cluster
 * mode, so the app's own server accepts on the socket the primary owns. A `listen()` on any
 * other port behaves as normal.
 */
import { Server as NetServer } from 'node:net';
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

/** `host:port`, `[v6]:port` or `unix:/path` → what a listen() on it asks for. */
function addressOf(label: string): { port?: number; path?: string; host?: string } {
  if (label.startsWith('unix:')) return { path: label.slice(5) };
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(label);
  return m ? { host: m[1]!, port: Number(m[2]) } : {};
}

export class ListenInterceptor {
  readonly #listeners: SlotListener[];
  readonly #original = NetServer.prototype.listen;
  readonly #taken = new Map<string, TakenListen>();
  #onTaken: ((taken: TakenListen) => void) | undefined;

  constructor(listeners: SlotListener[]) {
    this.#listeners = listeners;
  }

  /** The first TCP port of the slot (what `$PORT` is set to). */
  get firstPort(): number | undefined {
    for (const l of this.#listeners) {
      const port = addressOf(l.label).port;
      if (port !== undefined) return port;
    }
    return undefined;
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
      if (!target || interceptor.#taken.has(target.label)) return original.apply(this, args as never);
      const callback = args.find((a) => typeof a === 'function') as (() => void) | undefined;
      const taken = { server: this, label: target.label };
      interceptor.#taken.set(target.label, taken);
      // Before it listens, so whoever watches the server sees its first connection.
      interceptor.#onTaken?.(taken);
      // An inherited socket (fd) where the primary made one; under the node:cluster fallback
      // the address itself, which node:cluster then shares with the other workers.
      const address = addressOf(target.label);
      const options =
        'fd' in target
          ? { fd: target.fd }
          : address.path
            ? { path: address.path }
            : { port: address.port, host: address.host };
      return callback ? original.call(this, options, callback) : original.call(this, options);
    } as typeof NetServer.prototype.listen;
  }

  uninstall(): void {
    NetServer.prototype.listen = this.#original;
  }

  #match(wanted: { port?: number; path?: string }): SlotListener | undefined {
    if (wanted.port === undefined && wanted.path === undefined) return undefined;
    return this.#listeners.find((l) => {
      const a = addressOf(l.label);
      return wanted.path !== undefined ? a.path === wanted.path : a.port === wanted.port;
    });
  }
}
