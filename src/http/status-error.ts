import { STATUS_CODES } from 'node:http';
import { VolleyError } from '../errors.js';

/**
 * An HTTP error a handler throws (or a hoop sets) to answer with a 4xx/5xx status.
 * `brief` is safe to show to clients; `detail` too; `cause` is logged, never sent.
 * Its `code` is always 'VOLLEY_ERR_STATUS'; branch on `status`.
 */
export class StatusError extends VolleyError {
  readonly status: number;
  readonly brief: string;
  readonly detail: string | undefined;

  constructor(status: number, detail?: string, options?: { brief?: string; cause?: unknown }) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`StatusError needs a 4xx or 5xx status, got ${status}`);
    }
    const brief = options?.brief ?? STATUS_CODES[status] ?? 'Error';
    super('VOLLEY_ERR_STATUS', detail ? `${status} ${brief}: ${detail}` : `${status} ${brief}`, {
      cause: options?.cause,
    });
    this.status = status;
    this.brief = brief;
    this.detail = detail;
  }

  static badRequest(detail?: string, cause?: unknown): StatusError {
    return new StatusError(400, detail, { cause });
  }
  static unauthorized(detail?: string): StatusError {
    return new StatusError(401, detail);
  }
  static forbidden(detail?: string): StatusError {
    return new StatusError(403, detail);
  }
  static notFound(detail?: string): StatusError {
    return new StatusError(404, detail);
  }
  static methodNotAllowed(detail?: string): StatusError {
    return new StatusError(405, detail);
  }
  static payloadTooLarge(detail?: string): StatusError {
    return new StatusError(413, detail);
  }
  static unsupportedMediaType(detail?: string): StatusError {
    return new StatusError(415, detail);
  }
  static unprocessableEntity(detail?: string): StatusError {
    return new StatusError(422, detail);
  }
  static tooManyRequests(detail?: string): StatusError {
    return new StatusError(429, detail);
  }
  static internalServerError(detail?: string, cause?: unknown): StatusError {
    return new StatusError(500, detail, { cause });
  }
  static serviceUnavailable(detail?: string): StatusError {
    return new StatusError(503, detail);
  }
}
