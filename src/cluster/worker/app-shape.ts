/**
 * The kinds of app `volley serve` serves (DESIGN.md, "Any Node app, from any project"), told
 * apart by what the module exports. Duck-typed where it can be, so that an app built against
 * another copy of Volley (or of Express, Hono, Fastify) is still recognised.
 */
import { Server as NetServer } from 'node:net';
import { AppModuleError } from '../../errors.js';
import type { Service } from '../../http/service.js';
import type { Router } from '../../routing/index.js';
import type { RequestListener } from '../../server/listener-app.js';
import type { LoadedModule } from './load-app.js';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export type AppShape =
  /** Volley's own Router or Service. */
  | { kind: 'volley'; app: Router | Service }
  /** A request listener: Express, Connect, Koa (its `callback()`), `(req, res) => ...`. */
  | { kind: 'listener'; listener: RequestListener; what: string }
  /** An object with `fetch(request)`: Hono, Deno's and Bun's `export default { fetch }`. */
  | { kind: 'fetch'; fetch: FetchHandler; what: string }
  /** A node:http, node:https or node:http2 server, or Fastify's, that does not listen yet. */
  | { kind: 'server'; server: NetServer; what: string; ready?: () => Promise<unknown>; close?: () => unknown }
  /** Nothing: the module starts its own server (its listen() on the served port gets the slot's socket). */
  | { kind: 'self' };

export const ACCEPTED_SHAPES =
  'a Volley Router or Service, a request listener (req, res) => ... (Express, Connect, Koa app), ' +
  'an object with fetch(request) (Hono, export default { fetch }), or a node:http/https/http2 or ' +
  'Fastify server that does not listen yet; or export nothing and call listen() on $PORT';

type AnyObject = Record<string, unknown>;
const isObject = (v: unknown): v is AnyObject => typeof v === 'object' && v !== null;

function isNodeServer(value: unknown): value is NetServer {
  return value instanceof NetServer;
}

/** What the module's default export (or `module.exports`) is. */
export function appShape(loaded: LoadedModule): AppShape {
  const value = loaded.value;
  if ((isObject(value) || typeof value === 'function') && typeof (value as AnyObject).compile === 'function') {
    return { kind: 'volley', app: value as unknown as Router | Service };
  }
  if (isNodeServer(value)) return { kind: 'server', server: value, what: value.constructor.name };
  if (isObject(value)) {
    // Fastify: its `server` listens only once `ready()` resolved; `close()` runs its onClose hooks.
    if (isNodeServer(value.server) && typeof value.ready === 'function' && typeof value.close === 'function') {
      const app = value as { ready(): Promise<unknown>; close(): unknown; server: NetServer };
      return {
        kind: 'server',
        server: app.server,
        what: 'Fastify',
        ready: () => app.ready(),
        close: () => app.close(),
      };
    }
    // Koa: the app object is not a listener, its callback() is.
    if (typeof value.callback === 'function' && typeof value.listen === 'function' && typeof value.use === 'function') {
      return { kind: 'listener', listener: (value.callback as () => RequestListener).call(value), what: 'Koa' };
    }
    if (typeof value.fetch === 'function') {
      const fetch = (value.fetch as FetchHandler).bind(value);
      return {
        kind: 'fetch',
        fetch,
        what: value.constructor?.name === 'Object' ? 'fetch module' : String(value.constructor?.name),
      };
    }
  }
  if (typeof value === 'function') {
    const name = (value as { name?: string }).name;
    return {
      kind: 'listener',
      listener: value as RequestListener,
      what: name ? `request listener ${name}` : 'request listener',
    };
  }
  const named = Object.keys(loaded.exports);
  if (value === undefined && (named.length === 0 || isEmptyObject(loaded.exports))) return { kind: 'self' };
  if (isEmptyObject(value)) return { kind: 'self' }; // CommonJS `module.exports` left as {}
  const got =
    value === undefined
      ? `no default export (it exports ${named.join(', ')})`
      : `a default export of type ${value === null ? 'null' : typeof value}`;
  throw new AppModuleError(
    `app module ${loaded.path} has ${got}, which volley serve cannot serve. Export ${ACCEPTED_SHAPES}.`,
  );
}

function isEmptyObject(value: unknown): boolean {
  return isObject(value) && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0;
}
