import { VolleyError } from '../errors.js';

/**
 * A request body read in a way that conflicts with how it was already read: as bytes (or
 * text, JSON) after a multipart `req.form()` streamed it to disk, as a multipart form after
 * it was read as bytes, or after someone else consumed the stream through `req.raw`. The
 * bytes are gone, so there is nothing to retry; in a handler it becomes a 500.
 */
export class BodyConsumedError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_BODY_CONSUMED', message);
  }
}

/**
 * A server-sent event that cannot be encoded: a newline or NUL in `event` or `id` (it
 * would end the field and let the rest be read as other fields), a `retry` that is not a
 * non-negative integer, or no field at all.
 */
export class SseMessageError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_BAD_SSE_MESSAGE', message);
  }
}
