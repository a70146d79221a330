import type { ServerResponse } from 'node:http';
import type { Handler } from '../http/handler.js';

export interface AccessLogOptions {
  /** 'text' (default): `GET /users/1 200 1234B 1.2ms worker=2`; 'json': one object per line. */
  format?: 'text' | 'json';
  /** Where lines go. Default: stdout, which `volley serve` merges into its log. */
  write?: (line: string) => void;
}

const defaultWrite = (line: string) => {
  process.stdout.write(`${line}\n`);
};

/**
 * A hoop that logs one line per request once the response has been sent: method, path,
 * status, bytes, duration and worker (VOLLEY_WORKER_ID under `volley serve`). Put it on the
 * Service (`service.hoop(accessLog())`) to log 404s and 405s too.
 */
export function accessLog(options: AccessLogOptions = {}): Handler {
  const write = options.write ?? defaultWrite;
  const json = options.format === 'json';
  const worker = process.env.VOLLEY_WORKER_ID ? Number(process.env.VOLLEY_WORKER_ID) : 0;
  return (req, res) => {
    const start = process.hrtime.bigint();
    const raw = res.raw as ServerResponse;
    // Captured now: Node detaches the socket from a keep-alive response once it finishes.
    const socket = raw.socket;
    const socketBytesBefore = socket?.bytesWritten ?? 0;
    let finished = false;
    raw.once('finish', () => {
      finished = true;
    });
    raw.once('close', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // Buffered bodies declare their length; for streams count what went out on the socket.
      const declared = res.getHeader('content-length');
      const bytes =
        declared !== undefined ? Number(declared) : Math.max(0, (socket?.bytesWritten ?? 0) - socketBytesBefore);
      const status = raw.statusCode;
      const aborted = !finished;
      if (json) {
        write(
          JSON.stringify({
            msg: 'request',
            method: req.method,
            path: req.path,
            route: req.route,
            status,
            bytes,
            durationMs: Math.round(ms * 1000) / 1000,
            worker,
            remoteAddr: req.remoteAddr,
            ...(aborted ? { aborted } : {}),
          }),
        );
      } else {
        write(
          `${req.method} ${req.path} ${status} ${bytes}B ${ms.toFixed(1)}ms worker=${worker}${aborted ? ' aborted' : ''}`,
        );
      }
    });
  };
}
