import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { StatusError } from './status-error.js';
import { BodyConsumedError } from './usage-errors.js';

/** The default request body limit (64 KiB), configurable per router subtree and per request. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export type RawRequest = IncomingMessage | Http2ServerRequest;

/** Thrown once a body passes its limit; the response then closes the connection. */
export class BodyTooLargeError extends StatusError {
  constructor(limit: number) {
    super(413, `request body exceeds the limit of ${limit} bytes`);
  }
}

/**
 * Reads the whole body into one Buffer, refusing (413) as soon as it passes `limit`:
 * a declared Content-Length over the limit is refused before reading anything, and a
 * chunked body is refused at the first chunk that crosses it, without buffering the rest.
 */
export function readBody(raw: RawRequest, limit: number): Promise<Buffer> {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new BodyTooLargeError(limit));
  }
  // Someone else consumed the stream (e.g. piped req.raw): 'end' would never come again.
  if (raw.readableEnded) return Promise.reject(new BodyConsumedError('the request body was already consumed'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        raw.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(StatusError.badRequest('the request body could not be read', err));
    };
    const onAborted = () => onError(new Error('request aborted'));
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('aborted', onAborted);
  });
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}
