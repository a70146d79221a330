import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';

export interface CachingHeadersOptions {
  /**
   * The ETag made for buffered bodies: `'weak'` (default, `W/"…"`, right even when a
   * `compression()` hoop later changes the bytes), `'strong'`, or `false` for none.
   * An ETag the handler set itself is always kept.
   */
  etag?: 'weak' | 'strong' | false;
}

/** Entity tags in an If-None-Match header (`*` stays `*`). */
function parseTags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque parts are equal, W/ ignored. */
function weakMatch(a: string, b: string): boolean {
  const strip = (t: string) => (t.startsWith('W/') ? t.slice(2) : t);
  return strip(a) === strip(b);
}

/** RFC 9110 §13.1.2 / §13.1.3, evaluated for GET/HEAD (If-None-Match wins over If-Modified-Since). */
function notModified(req: Request, etag: string | undefined, lastModified: string | undefined): boolean {
  const ifNoneMatch = req.header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (etag === undefined) return false;
    const tags = parseTags(ifNoneMatch);
    return tags.includes('*') || tags.some((t) => weakMatch(t, etag));
  }
  const ifModifiedSince = req.header('if-modified-since');
  if (ifModifiedSince !== undefined && lastModified !== undefined) {
    const since = Date.parse(ifModifiedSince);
    const modified = Date.parse(lastModified);
    return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
  }
  return false;
}

/**
 * A hoop for conditional GET. After the rest of the chain, on a 200 answer to GET or HEAD:
 * a buffered body (string or Buffer) without an ETag gets one (a SHA-1 of the body,
 * weak by default); a `Last-Modified` the handler set is passed through. Then
 * `If-None-Match` (weak comparison, `*` too) or, without it, `If-Modified-Since` against
 * `Last-Modified` turns the answer into a 304 without a body (ETag, Last-Modified,
 * Cache-Control and Vary are kept). Streamed bodies get no ETag but honour
 * `Last-Modified`; files sent with `res.sendFile`/`serveStatic` are left to `send`, which
 * does the same itself.
 */
export function cachingHeaders(options: CachingHeadersOptions = {}): Handler {
  const mode = options.etag ?? 'weak';
  return async (req, res, _depot, ctrl) => {
    await ctrl.callNext();
    if (req.method !== 'GET' && req.method !== 'HEAD') return;
    if ((res.statusCode ?? 200) !== 200 || res.headersSent) return;
    const body = res.body;
    if (body === undefined) return; // nothing, or a file (send does its own validators)
    let etag = res.getHeader('etag') as string | undefined;
    if (etag === undefined && mode !== false && !(body instanceof Readable)) {
      const hash = createHash('sha1').update(body).digest('base64url');
      const len = Buffer.byteLength(body).toString(16);
      etag = `${mode === 'weak' ? 'W/' : ''}"${len}-${hash}"`;
      res.header('etag', etag);
    }
    const lastModified = res.getHeader('last-modified') as string | undefined;
    if (!notModified(req, etag, lastModified)) return;
    if (body instanceof Readable) body.destroy();
    res.setBody(undefined);
    res.removeHeader('content-length');
    res.removeHeader('content-type');
    res.status(304);
  };
}
