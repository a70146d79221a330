import type { Handler } from '../http/handler.js';

/**
 * A hoop that sets the request body limit to `bytes` (`req.setBodyLimit`) for the rest of
 * the chain. A declared `Content-Length` over it is answered 413 at once, before any handler
 * below runs or any byte is read (and the connection is closed after the response); a
 * chunked body gets its 413 as soon as a handler's read crosses the limit. It runs at
 * request time, so it overrides `router.bodyLimit()` for the routes below it.
 */
export function sizeLimiter(bytes: number): Handler {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`sizeLimiter needs a non-negative integer of bytes, got ${bytes}`);
  }
  return (req) => {
    req.setBodyLimit(bytes);
    const declared = req.header('content-length');
    // Let the body reader refuse it: it throws the 413 and marks the request so the
    // response closes the connection instead of draining an oversized body.
    if (declared !== undefined && Number(declared) > bytes) return req.bytes().then(() => undefined);
    return undefined;
  };
}
