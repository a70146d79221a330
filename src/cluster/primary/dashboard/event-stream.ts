import type { IncomingMessage, ServerResponse } from 'node:http';

/** A client this many bytes behind is skipped for a while instead of buffered for. */
const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * The Server-Sent Events clients of `GET /events`. Each gets a first event of its own
 * (`hello`), then every broadcast; a client too slow to read misses broadcasts while it is
 * over MAX_UNSENT_BYTES behind (a dashboard can lose a sample; the primary must not buffer).
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();

  get clients(): number {
    return this.#clients.size;
  }

  open(req: IncomingMessage, res: ServerResponse, hello: () => { event: string; data: unknown }): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const first = hello();
    res.write(`retry: 2000\n${frame(first.event, first.data)}`);
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
  }

  broadcast(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = frame(event, data);
    for (const res of this.#clients) if (res.writableLength <= MAX_UNSENT_BYTES) res.write(text);
  }

  closeAll(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newline, so one data: line is always enough.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
