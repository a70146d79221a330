import type { TLSSocket } from 'node:tls';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import { firstToken, sameOriginPath } from './header-utils.js';

export interface HstsOptions {
  /** `max-age` in seconds. Default 31536000 (one year). */
  maxAge?: number;
  includeSubDomains?: boolean;
  preload?: boolean;
}

export interface ForceHttpsOptions {
  /** The HTTPS port to redirect to; omitted or 443 gives a URL without a port. */
  port?: number;
  /** Redirect to this host instead of the request's `Host` (e.g. behind a proxy, or to pin it). */
  host?: string;
  /** Trust `X-Forwarded-Proto` (first value) to tell whether the request came over HTTPS. Default false. */
  trustProxy?: boolean;
  /** Add `Strict-Transport-Security` to HTTPS responses. `true` means `{ maxAge: 31536000 }`. */
  hsts?: boolean | HstsOptions;
}

/** A hostname, IPv4 address or bracketed IPv6 address: nothing that could change the URL's meaning. */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])$/i;

/** Whether the request came over TLS (or, with `trustProxy`, the proxy says it did). */
export function isHttps(req: Request, trustProxy = false): boolean {
  if ((req.raw.socket as TLSSocket | null | undefined)?.encrypted === true) return true;
  if (trustProxy) return firstToken(req.header('x-forwarded-proto')) === 'https';
  return false;
}

function hstsValue(option: boolean | HstsOptions): string {
  const o = option === true ? {} : (option as HstsOptions);
  const maxAge = o.maxAge ?? 31536000;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new RangeError(`hsts.maxAge must be a non-negative integer`);
  return `max-age=${maxAge}${o.includeSubDomains ? '; includeSubDomains' : ''}${o.preload ? '; preload' : ''}`;
}

/**
 * A hoop that redirects plain-HTTP requests to `https://<host>[:port]<path>?<query>`
 * (301 for GET/HEAD, 308 for other methods, which keeps method and body). The host comes
 * from `options.host` or the `Host` header; a missing or malformed `Host` is a 400. HTTPS
 * is recognised by the TLS socket (`req.raw.socket.encrypted`), or, only with
 * `trustProxy: true`, by `X-Forwarded-Proto: https`. With `hsts`, HTTPS responses carry
 * `Strict-Transport-Security` (never plain-HTTP ones, as RFC 6797 requires).
 */
export function forceHttps(options: ForceHttpsOptions = {}): Handler {
  const port = options.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new RangeError(`forceHttps port must be 1-65535, got ${port}`);
  }
  if (options.host !== undefined && !HOST.test(options.host)) throw new TypeError(`forceHttps host is not a host name`);
  const hsts = options.hsts ? hstsValue(options.hsts) : undefined;
  const portPart = port === undefined || port === 443 ? '' : `:${port}`;
  const trustProxy = options.trustProxy ?? false;
  return (req, res) => {
    if (isHttps(req, trustProxy)) {
      if (hsts) res.header('strict-transport-security', hsts);
      return;
    }
    const host = options.host ?? req.hostname;
    if (host === '' || !HOST.test(host)) {
      res.status(400);
      return;
    }
    let target = `https://${host}${portPart}${sameOriginPath(req.path)}`;
    if (req.queryString !== '') target += `?${req.queryString}`;
    res.redirect(target, req.method === 'GET' || req.method === 'HEAD' ? 301 : 308);
  };
}
