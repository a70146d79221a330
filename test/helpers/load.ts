import http from 'node:http';
import https from 'node:https';

export interface LoadResult {
  ok: number;
  failed: number;
  errors: string[];
  /** Responses by the `x-worker` / body value the caller extracts. */
  byKey: Map<string, number>;
}

export interface LoadOptions {
  port: number;
  host?: string;
  path?: string;
  /** Parallel request loops. */
  concurrency: number;
  /** Stop after this many requests in all... */
  maxRequests: number;
  /** ...or after this long, whichever comes first. */
  maxMs: number;
  /** New connection per request (`Connection: close`) instead of keep-alive. */
  churn: boolean;
  /** Keeps going until this resolves (still bounded by maxRequests and maxMs). */
  until?: Promise<unknown>;
  /** HTTPS (certificates not verified: the tests use self-signed ones). */
  tls?: boolean;
  /** Turns a response body into a key to count by (e.g. the worker that answered). */
  key?: (body: string) => string;
}

/**
 * A bounded HTTP load on loopback that accounts for every request: a failure is any
 * connection error or non-200 status. Used to check "0 failed requests" during reloads.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, errors: [], byKey: new Map() };
  const transport = options.tls ? https : http;
  const agent = options.churn
    ? options.tls
      ? new https.Agent({ keepAlive: false, rejectUnauthorized: false })
      : false
    : new transport.Agent({
        keepAlive: true,
        maxSockets: options.concurrency,
        rejectUnauthorized: false,
      } as https.AgentOptions);
  const deadline = Date.now() + options.maxMs;
  let started = 0;
  let untilDone = false;
  options.until?.then(
    () => {
      untilDone = true;
    },
    () => {
      untilDone = true;
    },
  );
  const one = () =>
    new Promise<void>((resolve) => {
      const req = transport.request(
        {
          host: options.host ?? '127.0.0.1',
          port: options.port,
          path: options.path ?? '/',
          agent,
          ...(options.tls ? { rejectUnauthorized: false } : {}),
          headers: options.churn ? { connection: 'close' } : {},
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => {
            if (res.statusCode === 200) {
              result.ok++;
              if (options.key) {
                const k = options.key(body);
                result.byKey.set(k, (result.byKey.get(k) ?? 0) + 1);
              }
            } else {
              result.failed++;
              if (result.errors.length < 20) result.errors.push(`status ${res.statusCode}: ${body.slice(0, 200)}`);
            }
            resolve();
          });
          res.on('error', (err) => {
            result.failed++;
            if (result.errors.length < 20) result.errors.push(`response: ${err.message}`);
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout after 10 s')));
      req.on('error', (err) => {
        result.failed++;
        if (result.errors.length < 20)
          result.errors.push(`request: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
        resolve();
      });
      req.end();
    });
  const loop = async () => {
    while (started < options.maxRequests && Date.now() < deadline && !(options.until && untilDone)) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  if (agent) agent.destroy();
  return result;
}
