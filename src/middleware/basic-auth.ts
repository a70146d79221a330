import { createHash, timingSafeEqual } from 'node:crypto';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import { withSecurityScheme } from '../http/security-scheme.js';

/**
 * Decides whether a user name and password are valid: return `true` (the user name goes into
 * the Depot), a user value of your own (it goes into the Depot instead), or `false`/`undefined`
 * to refuse. Compare secrets with `safeEqual`, not `===`.
 */
export type BasicAuthValidator = (username: string, password: string, req: Request) => unknown | Promise<unknown>;

export interface BasicAuthOptions {
  /** The realm in `WWW-Authenticate`. Default 'Restricted'. */
  realm?: string;
  /** The Depot key the user goes under. Default 'user'. */
  depotKey?: string;
}

const digest = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest();

/**
 * Compares two secrets in time that does not depend on where they differ, nor (since both
 * are hashed to equal-length digests first) on their lengths.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * A validator over a fixed table of users (`{ alice: 'secret' }`). Every entry is compared,
 * so the time taken does not tell whether the user name exists.
 */
export function basicAuthUsers(users: Readonly<Record<string, string>>): BasicAuthValidator {
  const table = Object.entries(users).map(([u, p]) => [digest(u), digest(p)] as const);
  return (username, password) => {
    const u = digest(username);
    const p = digest(password);
    let ok = false;
    for (const [user, pass] of table) {
      // Non-short-circuit &, so each entry costs the same.
      if (Number(timingSafeEqual(u, user)) & Number(timingSafeEqual(p, pass))) ok = true;
    }
    return ok;
  };
}

/** Parses `Authorization: Basic <base64(user:pass)>`; undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic authentication (RFC 7617). Missing, malformed or refused credentials get a 401
 * with `WWW-Authenticate: Basic realm="...", charset="UTF-8"`; accepted ones put the user in
 * the Depot (`depot.get('user')`). Use it over TLS only: the password travels in every request.
 */
export function basicAuth(validator: BasicAuthValidator, options: BasicAuthOptions = {}): Handler {
  const realm = (options.realm ?? 'Restricted').replace(/["\\\r\n]/g, '_');
  const challenge = `Basic realm="${realm}", charset="UTF-8"`;
  const depotKey = options.depotKey ?? 'user';
  const hoop: Handler = async (req, res, depot) => {
    const credentials = parseBasicAuth(req.header('authorization'));
    const user = credentials ? await validator(credentials.username, credentials.password, req) : undefined;
    if (!credentials || user === undefined || user === null || user === false) {
      res.header('www-authenticate', challenge);
      res.status(401);
      return;
    }
    depot.insert(depotKey, user === true ? credentials.username : user);
  };
  return withSecurityScheme(hoop, { name: 'basicAuth', scheme: { type: 'http', scheme: 'basic' }, optional: false });
}
