import type { Handler } from '../http/handler.js';
import { sameOriginPath } from './header-utils.js';

export type TrailingSlashMode = 'add' | 'remove';

/**
 * A hoop that redirects to the canonical form of the path: with a trailing slash
 * (`'add'`: `/docs` → `/docs/`) or without one (`'remove'`: `/docs/` → `/docs`). The query
 * string is kept. GET and HEAD get 301; other methods 308, which keeps the method and body.
 * `/` is left alone, and so are `OPTIONS` requests (a CORS preflight cannot follow a
 * redirect). Repeated slashes collapse in the target, so `//evil.example/` redirects to
 * `/evil.example`, never to another host. Volley's router ignores trailing slashes, so
 * both forms reach the same route; put this on the Service to redirect before routing
 * matters (404s included).
 */
export function trailingSlash(mode: TrailingSlashMode): Handler {
  if (mode !== 'add' && mode !== 'remove') throw new TypeError(`trailingSlash mode must be 'add' or 'remove'`);
  return (req, res) => {
    if (req.method === 'OPTIONS') return;
    const path = req.path;
    if (path === '/' || path === '') return;
    const hasSlash = path.endsWith('/');
    let target: string;
    if (mode === 'remove') {
      if (!hasSlash) return;
      target = path.replace(/\/+$/, '') || '/';
    } else {
      if (hasSlash) return;
      target = `${path}/`;
    }
    target = sameOriginPath(target);
    if (req.queryString !== '') target += `?${req.queryString}`;
    res.redirect(target, req.method === 'GET' || req.method === 'HEAD' ? 301 : 308);
  };
}
