import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import { appendVary } from './header-utils.js';

/**
 * Which origins may read responses: `'*'` (anyone), one origin, a list, a RegExp tested
 * against the `Origin` header, or a function returning true (allow, echoing the origin),
 * a string (the value to send) or false (deny); it may be async.
 */
export type CorsOrigin =
  | '*'
  | string
  | readonly string[]
  | RegExp
  | ((origin: string, req: Request) => boolean | string | Promise<boolean | string>);

export interface CorsOptions {
  /** Default `'*'`. */
  origin?: CorsOrigin;
  /** Send `Access-Control-Allow-Credentials: true`. With `origin: '*'` the request's origin is echoed instead of `*`. */
  credentials?: boolean;
  /** Response headers scripts may read (`Access-Control-Expose-Headers`). */
  exposeHeaders?: readonly string[];
  /** Methods a preflight allows. Default GET, HEAD, PUT, POST, DELETE, PATCH. */
  allowMethods?: readonly string[];
  /** Request headers a preflight allows. Default: whatever `Access-Control-Request-Headers` asks for. */
  allowHeaders?: readonly string[];
  /** How long (seconds) a browser may cache a preflight (`Access-Control-Max-Age`). */
  maxAge?: number;
  /** Status of an allowed preflight. Default 204. */
  preflightStatus?: number;
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'];

/**
 * CORS as a hoop. Put it on the **Service** (`new Service(router).hoop(cors({...}))`):
 * Service hoops run also when no route or no method matched, so a preflight `OPTIONS` to
 * a route that only has `.get()` is answered (204 with the `Access-Control-Allow-*`
 * headers) instead of being a 405.
 *
 * For an allowed origin, actual requests get `Access-Control-Allow-Origin` (plus
 * credentials and expose headers), also on error pages. A disallowed origin gets no CORS
 * headers at all, and its preflight is answered **403** (so the browser blocks the real
 * request). Requests without `Origin` pass through untouched. `Vary: Origin` is added
 * whenever the answer depends on the origin (always, unless `origin` is `'*'` without
 * credentials).
 */
export function cors(options: CorsOptions = {}): Handler {
  const origin = options.origin ?? '*';
  const credentials = options.credentials ?? false;
  const methods = (options.allowMethods ?? DEFAULT_METHODS).map((m) => m.toUpperCase()).join(', ');
  const allowHeaders = options.allowHeaders?.join(', ');
  const expose = options.exposeHeaders?.length ? options.exposeHeaders.join(', ') : undefined;
  const maxAge = options.maxAge;
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0))
    throw new RangeError('cors maxAge must be >= 0 seconds');
  const preflightStatus = options.preflightStatus ?? 204;
  const dynamic = origin !== '*' || credentials;
  const list = Array.isArray(origin) ? new Set<string>(origin as readonly string[]) : undefined;

  /** The Access-Control-Allow-Origin value for this request, or undefined when denied. */
  const resolve = async (requestOrigin: string, req: Request): Promise<string | undefined> => {
    if (origin === '*') return credentials ? requestOrigin : '*';
    if (typeof origin === 'string') return origin === requestOrigin ? origin : undefined;
    if (list) return list.has(requestOrigin) ? requestOrigin : undefined;
    if (origin instanceof RegExp) {
      origin.lastIndex = 0; // a /g or /y RegExp would otherwise carry state between requests
      return origin.test(requestOrigin) ? requestOrigin : undefined;
    }
    const verdict = await (origin as Exclude<CorsOrigin, string | readonly string[] | RegExp>)(requestOrigin, req);
    if (verdict === true) return requestOrigin;
    return typeof verdict === 'string' && verdict !== '' ? verdict : undefined;
  };

  return async (req, res, _depot, ctrl) => {
    const requestOrigin = req.header('origin');
    const preflight =
      req.method === 'OPTIONS' &&
      requestOrigin !== undefined &&
      req.header('access-control-request-method') !== undefined;
    if (requestOrigin === undefined) {
      await ctrl.callNext();
      if (dynamic) appendVary(res, 'Origin');
      return;
    }
    const allowed = await resolve(requestOrigin, req);

    if (preflight) {
      ctrl.skipRest();
      const vary = dynamic ? ['Origin'] : [];
      if (allowHeaders === undefined) vary.push('Access-Control-Request-Headers');
      if (vary.length > 0) appendVary(res, ...vary);
      if (allowed === undefined) {
        res.status(403);
        return;
      }
      res.header('access-control-allow-origin', allowed);
      if (credentials) res.header('access-control-allow-credentials', 'true');
      res.header('access-control-allow-methods', methods);
      const requested = req.header('access-control-request-headers');
      const headers = allowHeaders ?? requested;
      if (headers) res.header('access-control-allow-headers', headers);
      if (maxAge !== undefined) res.header('access-control-max-age', String(maxAge));
      res.status(preflightStatus);
      return;
    }

    if (allowed !== undefined) {
      // Set before the chain runs, so error pages (the Catcher) carry them too.
      res.header('access-control-allow-origin', allowed);
      if (credentials) res.header('access-control-allow-credentials', 'true');
      if (expose) res.header('access-control-expose-headers', expose);
    }
    await ctrl.callNext();
    if (dynamic) appendVary(res, 'Origin');
  };
}
