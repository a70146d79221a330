/**
 * Fresh-connection GETs with node:http (agent: false): one TCP connection per request, the
 * latency of each recorded. For cases wrk cannot report: wrk drops what is still in flight
 * when its duration ends, so a connection that waits seconds in a blocked worker's queue would
 * simply be missing from its numbers.
 */
import http from 'node:http';

export interface FreshResult {
  latenciesMs: number[];
  errors: number;
}

function once(port: number, path: string, timeoutMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

/** `count` GETs of `path`, `concurrency` at a time; every request is bounded by `timeoutMs`. */
export async function freshRequests(
  port: number,
  path: string,
  count: number,
  concurrency: number,
  timeoutMs = 10_000,
): Promise<FreshResult> {
  const out: FreshResult = { latenciesMs: [], errors: 0 };
  let next = 0;
  const loop = async () => {
    while (next < count) {
      next++;
      const ms = await once(port, path, timeoutMs);
      if (ms === undefined) out.errors++;
      else out.latenciesMs.push(ms);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return out;
}
