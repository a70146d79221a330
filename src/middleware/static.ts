import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import type { SendFileOptions } from '../http/response.js';
import { StatusError } from '../http/status-error.js';
import { sameOriginPath } from './header-utils.js';

export interface ServeStaticOptions {
  /**
   * Index files tried, in order, for a directory. Default `['index.html']`; `false`
   * turns directories into 404s.
   */
  index?: readonly string[] | false;
  /**
   * Files and directories whose name starts with a dot: `'deny'` (default, 403),
   * `'ignore'` (404, as if they did not exist) or `'allow'`. `.` and `..` are always refused.
   */
  dotfiles?: 'deny' | 'ignore' | 'allow';
  /** Cache-Control `max-age`, in **milliseconds** (as `res.sendFile`). Default 0. */
  maxAge?: number;
  /** Add `immutable` to Cache-Control (for fingerprinted assets with a long `maxAge`). */
  immutable?: boolean;
  /**
   * Single-page-app fallback: a GET for a path that does not exist and whose last
   * segment has no extension is answered with this file (relative to the root), e.g.
   * `'index.html'`. `true` means `'index.html'`. Missing assets (`/app.js`) stay 404s.
   */
  fallback?: string | boolean;
  /** Redirect a directory without a trailing slash to `dir/` (301, so relative links work). Default true. */
  redirect?: boolean;
  /**
   * The route param holding the path below the root. Default: the wildcard of the
   * matched route (`{**path}`, `{*+rest}`, `{*?x}`, …), or, without one, the root itself.
   */
  param?: string;
}

/** Where the router put the wildcard, read from the matched pattern, e.g. `/static/{**path}` → `path`. */
const WILDCARD = /\{\*[*+?]?([^}|:]*)/g;

function wildcardParam(req: Request): string | undefined {
  const route = req.route;
  if (route === undefined) return undefined;
  let name: string | undefined;
  for (const m of route.matchAll(WILDCARD)) name = m[1];
  return name === '' ? undefined : name;
}

/** Encoded `/` `\` or NUL in the raw path: never part of a legitimate file path. */
const ENCODED_SEPARATOR = /%(?:2f|5c|00)/i;

function isInside(root: string, file: string): boolean {
  if (file === root) return true;
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * A goal that serves files below `dir` through `res.sendFile` (the `send` package):
 * `Range` (206, 416 when unsatisfiable; a malformed `Range` is ignored and the whole file
 * sent with 200, as `send` does), `ETag`/`Last-Modified` with 304, `Content-Type` from the
 * extension, `Cache-Control` from `maxAge`/`immutable`, index files and an SPA fallback.
 *
 * ```ts
 * new Router('static/{**path}').get(serveStatic('./public', { maxAge: 3600_000 }));
 * ```
 *
 * The path below the root comes from `options.param`, else from the wildcard of the
 * matched route (whatever it is called), else the root itself.
 *
 * Traversal-safe: a path with a `.` or `..` segment (also percent-encoded), an encoded
 * `/` or `\` (`%2f`, `%5c`), a backslash or a NUL byte is refused with 403 before the file
 * system is touched; then the file's real path (symlinks resolved) must lie inside the
 * real root, else 403. Dotfiles are 403 by default (see `dotfiles`). Missing files are 404.
 * Only GET and HEAD are served (others: 405).
 */
export function serveStatic(dir: string, options: ServeStaticOptions = {}): Handler {
  const root = resolve(dir);
  const index = options.index === false ? [] : (options.index ?? ['index.html']);
  const dotfiles = options.dotfiles ?? 'deny';
  const redirect = options.redirect ?? true;
  const fallback = options.fallback === true ? 'index.html' : options.fallback || undefined;
  const sendOptions: SendFileOptions = { maxAge: options.maxAge ?? 0, immutable: options.immutable ?? false };
  let realRoot: Promise<string> | undefined;

  const fileStat = (path: string): Promise<Stats | undefined> => stat(path).catch(() => undefined);

  /** Resolves symlinks and refuses anything that ends up outside the root. */
  const confine = async (path: string): Promise<string | undefined> => {
    realRoot ??= realpath(root).catch(() => {
      realRoot = undefined; // the root may appear later; try again next time
      throw StatusError.notFound(undefined);
    });
    const rootReal = await realRoot;
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) return undefined;
    if (!isInside(rootReal, real)) throw StatusError.forbidden('outside the static root');
    if (
      dotfiles !== 'allow' &&
      relative(rootReal, real)
        .split(sep)
        .some((s) => s.startsWith('.'))
    ) {
      throw dotfiles === 'deny' ? StatusError.forbidden() : StatusError.notFound();
    }
    return real;
  };

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.header('allow', 'GET, HEAD');
      throw StatusError.methodNotAllowed();
    }
    const name = options.param ?? wildcardParam(req);
    const rest = name === undefined ? '' : (req.param(name) ?? '');
    if (ENCODED_SEPARATOR.test(req.path) || rest.includes('\\') || rest.includes('\0')) {
      throw StatusError.forbidden('malformed path');
    }
    const segments = rest.split('/').filter((s) => s !== '');
    for (const segment of segments) {
      if (segment === '.' || segment === '..') throw StatusError.forbidden('malformed path');
      if (segment.startsWith('.') && dotfiles !== 'allow') {
        throw dotfiles === 'deny' ? StatusError.forbidden() : StatusError.notFound();
      }
    }
    const target = join(root, ...segments);
    if (!isInside(root, target)) throw StatusError.forbidden('outside the static root');

    let file = await confine(target);
    let info = file === undefined ? undefined : await fileStat(file);
    if (info?.isDirectory()) {
      if (redirect && !req.path.endsWith('/')) {
        const location = sameOriginPath(`${req.path}/`) + (req.queryString === '' ? '' : `?${req.queryString}`);
        res.redirect(location, 301);
        return;
      }
      let found: string | undefined;
      for (const candidate of index) {
        const real = await confine(join(file!, candidate));
        if (real !== undefined && (await fileStat(real))?.isFile()) {
          found = real;
          break;
        }
      }
      file = found;
      info = found === undefined ? undefined : await fileStat(found);
    }
    if (file === undefined || !info?.isFile()) {
      const last = segments[segments.length - 1] ?? '';
      if (fallback !== undefined && extname(last) === '') {
        const spa = await confine(join(root, fallback));
        if (spa !== undefined && (await fileStat(spa))?.isFile()) {
          await res.sendFile(spa, sendOptions);
          return;
        }
      }
      throw StatusError.notFound();
    }
    await res.sendFile(file, sendOptions);
  };
}

/**
 * A goal that sends one file (`res.sendFile`: Range, ETag, Last-Modified, Content-Type);
 * the path is resolved against the working directory now. A missing file is a 404.
 */
export function serveFile(path: string, options: SendFileOptions = {}): Handler {
  const file = resolve(path);
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.header('allow', 'GET, HEAD');
      throw StatusError.methodNotAllowed();
    }
    await res.sendFile(file, options);
  };
}
