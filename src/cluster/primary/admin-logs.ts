import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BacklogQuery, type LogBacklog, matches } from './log-backlog.js';
import type { LogRecord } from './log-sink.js';

/** A follower that has this many bytes unsent is skipping records until it catches up. */
const MAX_UNSENT_BYTES = 1024 * 1024;

function badRequest(res: ServerResponse, error: string): void {
  const text = JSON.stringify({ error });
  res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function nonNegativeInt(text: string | null): number | undefined | null {
  if (text === null) return undefined;
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * `GET /logs` of the admin endpoint: the merged log as NDJSON (one record per line, exactly as
 * `--log-format json` writes it), first what the backlog holds, then, unless `follow=0`, every
 * new record as it comes (chunked; the response stays open). Query: `worker=N` (0: the
 * primary's events), `since=MS` (records of the last MS milliseconds), `lines=N` (at most the
 * newest N of the backlog). A follower too slow to read skips records (a warning record says
 * how many) instead of making the primary buffer for it.
 */
export function logsRoute(backlog: LogBacklog) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const worker = nonNegativeInt(url.searchParams.get('worker'));
    const since = nonNegativeInt(url.searchParams.get('since'));
    const lines = nonNegativeInt(url.searchParams.get('lines'));
    const follow = url.searchParams.get('follow') !== '0';
    const wrong =
      worker === null
        ? 'logs: worker=N needs a worker id (0 for the primary)'
        : since === null
          ? 'logs: since=MS needs milliseconds'
          : lines === null
            ? 'logs: lines=N needs a count'
            : undefined;
    if (wrong !== undefined || worker === null || since === null || lines === null) {
      badRequest(res, wrong ?? 'logs: bad query');
      return;
    }
    const query: BacklogQuery = {
      ...(worker !== undefined ? { worker } : {}),
      ...(since !== undefined ? { since: Date.now() - since } : {}),
      ...(lines !== undefined ? { last: lines } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    res.flushHeaders(); // a follower with nothing to read yet still learns that the stream is open
    const backlog_ = backlog.query(query);
    if (backlog_.length > 0) res.write(`${backlog_.map((r) => r.json).join('\n')}\n`);
    if (!follow || req.method === 'HEAD') {
      res.end();
      return;
    }
    const live: BacklogQuery = worker !== undefined ? { worker } : {};
    let skipped = 0;
    const send = (record: LogRecord) => {
      if (!matches(record, live)) return;
      if (res.writableLength > MAX_UNSENT_BYTES) {
        skipped++;
        return;
      }
      if (skipped > 0) {
        res.write(`${skippedNote(skipped)}\n`);
        skipped = 0;
      }
      res.write(`${record.json}\n`);
    };
    const unfollow = backlog.follow(send);
    res.on('close', unfollow);
  };
}

function skippedNote(n: number): string {
  return JSON.stringify({
    time: new Date().toISOString(),
    level: 'warn',
    worker: 'primary',
    pid: process.pid,
    stream: 'primary',
    msg: `logs: skipped ${n} record(s): this client reads more slowly than the log is written`,
  });
}
