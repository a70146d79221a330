import { randomBytes } from 'node:crypto';
import { mediaType } from '../http/body.js';
import type { Depot } from '../http/depot.js';
import type { Handler } from '../http/handler.js';
import { StatusError } from '../http/status-error.js';
import { safeEqual } from './basic-auth.js';
import { Session } from './session.js';

export interface CsrfOptions {
  /**
   * 'double-submit' (default): the token is in a cookie that the page's script can read
   * (not HttpOnly) and must come back in a header or form field; a cross-site page can
   * make the browser send the cookie but cannot read it. 'session': the token is kept in
   * the session (needs the `session()` hoop before this one) and no cookie is used.
   */
  mode?: 'double-submit' | 'session';
  /**
   * 'per-session' (default): one token until the cookie or session ends. 'after-use': a
   * new token after every accepted unsafe request (read the new one from the Depot or cookie).
   */
  rotate?: 'per-session' | 'after-use';
  /** Request header carrying the token. Default 'x-csrf-token'. */
  headerName?: string;
  /** Form field carrying the token (urlencoded or multipart bodies). Default '_csrf'. */
  fieldName?: string;
  /** Cookie name in double-submit mode. Default 'volley.csrf'. */
  cookieName?: string;
  /** Cookie attributes in double-submit mode. Defaults: sameSite 'strict', secure false, path '/'. */
  sameSite?: 'strict' | 'lax' | 'none';
  secure?: boolean;
  path?: string;
  domain?: string;
  /** Session key in session mode. Default '_csrf'. */
  sessionKey?: string;
  /** Methods that are never checked. Default GET, HEAD, OPTIONS, TRACE. */
  safeMethods?: string[];
}

const DEPOT_KEY = 'csrfToken';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const newToken = (): string => randomBytes(32).toString('base64url');

/** The token to embed in forms or send in `x-csrf-token` (put in the Depot by `csrf()`). */
export function csrfToken(depot: Depot): string | undefined {
  return depot.get<string>(DEPOT_KEY);
}

/**
 * Cross-site request forgery protection. Safe methods pass (and get a token if there is none
 * yet); any other method must send the token in the `x-csrf-token` header or the `_csrf`
 * form field, matching the cookie (double-submit) or the session's token, or gets a 403.
 * The current token is in the Depot: `csrfToken(depot)`.
 */
export function csrf(options: CsrfOptions = {}): Handler {
  const mode = options.mode ?? 'double-submit';
  if (mode !== 'double-submit' && mode !== 'session') throw new TypeError(`csrf: unknown mode '${String(mode)}'`);
  const rotateAfterUse = (options.rotate ?? 'per-session') === 'after-use';
  const headerName = options.headerName ?? 'x-csrf-token';
  const fieldName = options.fieldName ?? '_csrf';
  const cookieName = options.cookieName ?? 'volley.csrf';
  const sessionKey = options.sessionKey ?? '_csrf';
  const safe = new Set((options.safeMethods ?? ['GET', 'HEAD', 'OPTIONS', 'TRACE']).map((m) => m.toUpperCase()));
  const cookieOptions = {
    httpOnly: false,
    sameSite: options.sameSite ?? ('strict' as const),
    secure: options.secure ?? false,
    path: options.path ?? '/',
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
  };

  return async (req, res, depot) => {
    let sess: Session | undefined;
    if (mode === 'session') {
      sess = depot.obtain(Session);
      if (!sess) throw new Error("csrf({ mode: 'session' }) needs the session() hoop to run before it");
    }
    const stored = sess ? sess.get<string>(sessionKey) : req.cookie(cookieName);
    const current = typeof stored === 'string' && TOKEN.test(stored) ? stored : undefined;
    const issue = (): void => {
      const token = newToken();
      if (sess) sess.set(sessionKey, token);
      else res.cookie(cookieName, token, cookieOptions);
      depot.insert(DEPOT_KEY, token);
    };

    if (safe.has(req.method)) {
      if (current) depot.insert(DEPOT_KEY, current);
      else issue();
      return;
    }
    let submitted = req.header(headerName);
    if (!submitted) {
      const type = mediaType(req.header('content-type'));
      if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
        const field = (await req.form()).get(fieldName);
        if (typeof field === 'string') submitted = field;
      }
    }
    if (!current || !submitted || !safeEqual(submitted, current)) {
      throw StatusError.forbidden(current ? 'CSRF token missing or invalid' : 'CSRF token missing: fetch a page first');
    }
    if (rotateAfterUse) issue();
    else depot.insert(DEPOT_KEY, current);
  };
}
