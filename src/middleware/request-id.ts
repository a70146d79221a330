import { randomUUID } from 'node:crypto';
import type { Handler } from '../http/handler.js';

export interface RequestIdOptions {
  /** Header to read and to answer with. Default `x-request-id`. */
  header?: string;
  /** Makes a new id. Default `crypto.randomUUID()`. */
  generate?: () => string;
  /** Keep a valid incoming id (default true); false always makes a new one. */
  trustIncoming?: boolean;
  /** Longest incoming id kept. Default 200 characters. */
  maxLength?: number;
}

/** Printable ASCII only: nothing that could split a log line or a header. */
const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * A hoop that gives every request an id: a valid incoming `X-Request-Id` (printable ASCII,
 * at most 200 characters) is kept, anything else is replaced by a new UUID. The id is
 * set on the response header, in the Depot as `depot.get<string>('requestId')`, and on the
 * request's own headers (so `proxy()` passes it upstream and later hoops read one value).
 * Put it on the Service so 404s and 405s carry an id too.
 */
export function requestId(options: RequestIdOptions = {}): Handler {
  const header = (options.header ?? 'x-request-id').toLowerCase();
  const generate = options.generate ?? randomUUID;
  const trust = options.trustIncoming ?? true;
  const maxLength = options.maxLength ?? 200;
  return (req, res, depot) => {
    const incoming = trust ? req.header(header)?.trim() : undefined;
    const id =
      incoming !== undefined && incoming !== '' && incoming.length <= maxLength && PRINTABLE.test(incoming)
        ? incoming
        : generate();
    depot.insert('requestId', id);
    req.raw.headers[header] = id;
    res.header(header, id);
  };
}
