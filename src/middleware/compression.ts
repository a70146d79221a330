import { pipeline, Readable, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { appendVary } from './header-utils.js';

export type Encoding = 'br' | 'zstd' | 'gzip' | 'deflate';

export interface CompressionOptions {
  /** Bodies smaller than this many bytes are sent as they are. Default 1024. */
  threshold?: number;
  /**
   * Encodings offered, in the server's order of preference (used when the client's
   * q-values tie). Default `['br', 'zstd', 'gzip', 'deflate']`; zstd only where
   * `node:zlib` has it (Node ≥ 22.15 / 23.8).
   */
  encodings?: readonly Encoding[];
  /** Brotli quality 0–11. Default 4 (fast enough for dynamic responses; 11 is for build-time). */
  brotliQuality?: number;
  /** zlib level for gzip and deflate, 0–9. Default zlib's (6). */
  level?: number;
  /** zstd compression level. Default zstd's (3). */
  zstdLevel?: number;
  /** Decides whether a Content-Type is worth compressing. Default: text, JSON, XML, JS, SVG, wasm and the like. */
  filter?: (contentType: string, req: Request, res: Response) => boolean;
}

/**
 * Types worth compressing; everything else (images, audio, video, fonts in woff/woff2,
 * zip/gzip/7z/... archives, octet-stream) is already compressed or unknown.
 * `text/event-stream` is excluded: server-sent events must not wait in a compressor.
 */
const COMPRESSIBLE =
  /^\s*(?:text\/(?!event-stream(?:[;\s]|$))[^;\s]+|application\/(?:javascript|ecmascript|json|manifest\+json|xml|xml-dtd|rtf|wasm|x-javascript|x-sh|x-tar|x-www-form-urlencoded|graphql-response\+json|toml|yaml|x-yaml)|font\/(?:otf|ttf)|image\/(?:svg\+xml|bmp|x-icon|vnd\.microsoft\.icon)|[^;\s]+?\+(?:json|text|xml|yaml))(?:[;\s]|$)/i;

interface ZstdZlib {
  createZstdCompress?: (options?: object) => Transform;
  zstdCompress?: (buf: Buffer, options: object, cb: (err: Error | null, out: Buffer) => void) => void;
  constants: { ZSTD_c_compressionLevel?: number };
}
const zstd = zlib as unknown as ZstdZlib;
/** Whether this Node's zlib can compress zstd. */
export const hasZstd = typeof zstd.createZstdCompress === 'function' && typeof zstd.zstdCompress === 'function';

const gzipAsync = promisify(zlib.gzip);
const deflateAsync = promisify(zlib.deflate);
const brotliAsync = promisify(zlib.brotliCompress);

function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}

/**
 * A hoop that compresses response bodies with gzip, brotli, deflate or zstd, negotiated
 * with `Accept-Encoding` q-values (`negotiator`; ties go to the server's order). Put it
 * near the top (Service or root router) so it sees the final body.
 *
 * It compresses when the answer is not HEAD, 204, 206, 304 or 1xx; has a compressible
 * `Content-Type` (see `filter`); has no `Content-Encoding` yet and no `Cache-Control:
 * no-transform`; and is at least `threshold` bytes (a stream counts as big unless its
 * `Content-Length` says otherwise). Buffered bodies are compressed off the main thread;
 * streams are piped through the compressor chunk by chunk, never buffered whole.
 * `Vary: Accept-Encoding` is added to every compressible answer, `Content-Length` is
 * dropped (a buffered body gets its new length), and a strong ETag becomes weak.
 * Files sent by `res.sendFile`/`serveStatic` are not compressed (they keep Range support).
 */
export function compression(options: CompressionOptions = {}): Handler {
  const threshold = options.threshold ?? 1024;
  const offered = (options.encodings ?? ['br', 'zstd', 'gzip', 'deflate']).filter((e) => e !== 'zstd' || hasZstd);
  const filter = options.filter ?? ((type: string) => isCompressible(type));
  const gzipOpts: zlib.ZlibOptions = options.level === undefined ? {} : { level: options.level };
  const brOpts: zlib.BrotliOptions = {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: options.brotliQuality ?? 4 },
  };
  const zstdOpts =
    options.zstdLevel !== undefined && zstd.constants.ZSTD_c_compressionLevel !== undefined
      ? { params: { [zstd.constants.ZSTD_c_compressionLevel]: options.zstdLevel } }
      : {};

  const compressBuffer = (encoding: Encoding, input: Buffer): Promise<Buffer> => {
    switch (encoding) {
      case 'gzip':
        return gzipAsync(input, gzipOpts);
      case 'deflate':
        return deflateAsync(input, gzipOpts);
      case 'br':
        return brotliAsync(input, brOpts);
      case 'zstd':
        return new Promise((resolve, reject) =>
          zstd.zstdCompress!(input, zstdOpts, (err, out) => (err ? reject(err) : resolve(out))),
        );
    }
  };
  const compressor = (encoding: Encoding): Transform => {
    switch (encoding) {
      case 'gzip':
        return zlib.createGzip(gzipOpts);
      case 'deflate':
        return zlib.createDeflate(gzipOpts);
      case 'br':
        return zlib.createBrotliCompress(brOpts);
      case 'zstd':
        return zstd.createZstdCompress!(zstdOpts);
    }
  };

  return async (req, res, _depot, ctrl) => {
    await ctrl.callNext();
    if (req.method === 'HEAD' || res.headersSent) return;
    const status = res.statusCode ?? 200;
    if (status < 200 || status === 204 || status === 206 || status === 304) return;
    const body = res.body;
    if (body === undefined) return; // no body, or a file (send keeps Range and its validators)
    if (res.getHeader('content-encoding') !== undefined) return;
    const contentType = res.getHeader('content-type');
    if (typeof contentType !== 'string' || !filter(contentType, req, res)) return;
    if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(res.getHeader('cache-control') ?? ''))) return;
    const isStream = body instanceof Readable;
    const size = isStream
      ? Number(res.getHeader('content-length') ?? Number.POSITIVE_INFINITY)
      : Buffer.byteLength(body);
    if (size < threshold) return;

    // From here the representation depends on Accept-Encoding, whatever we pick.
    appendVary(res, 'Accept-Encoding');
    const preferred = (
      new Negotiator(req.raw) as unknown as { encodings(a: string[], o: { preferred: string[] }): string[] }
    ).encodings([...offered, 'identity'], { preferred: [...offered, 'identity'] });
    const encoding = preferred[0];
    if (encoding === undefined || encoding === 'identity') return;

    const chosen = encoding as Encoding;
    res.header('content-encoding', chosen);
    res.removeHeader('content-length');
    const etag = res.getHeader('etag');
    if (typeof etag === 'string' && etag.startsWith('"')) res.header('etag', `W/${etag}`);
    if (isStream) {
      // Errors on either side tear down both; the Response pipes the compressor to the socket.
      res.setBody(pipeline(body, compressor(chosen), () => undefined));
    } else {
      res.setBody(await compressBuffer(chosen, typeof body === 'string' ? Buffer.from(body) : body));
    }
  };
}
