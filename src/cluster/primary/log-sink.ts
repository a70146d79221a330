import type { Writable } from 'node:stream';

export type LogFormat = 'text' | 'json';

/** Where one merged line came from. `worker` 0 is the primary itself. */
export interface LineSource {
  worker: number;
  pid: number;
  stream: 'stdout' | 'stderr' | 'primary';
}

/** Above this many bytes waiting in the output stream, lines are dropped (and counted). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * The primary's single merged log. Lines from every worker and the primary's own events are
 * formatted (text, or one JSON object per line) and written to one stream. A slow or blocked
 * output never blocks the primary and never buffers without bound: past MAX_BUFFERED_BYTES
 * lines are dropped and counted in `dropped`, and a note says how many once it drains.
 */
export class LogSink {
  readonly format: LogFormat;
  #out: Writable;
  dropped = 0;
  #droppedSinceNote = 0;

  constructor(out: Writable, format: LogFormat = 'text') {
    this.#out = out;
    this.format = format;
  }

  /** Switches to another output stream (after a log-file rotation or reopen). */
  setOutput(out: Writable): void {
    this.#out = out;
  }

  line(source: LineSource, msg: string): void {
    if (this.#out.writableLength > MAX_BUFFERED_BYTES) {
      this.dropped++;
      this.#droppedSinceNote++;
      return;
    }
    if (this.#droppedSinceNote > 0) {
      const n = this.#droppedSinceNote;
      this.#droppedSinceNote = 0;
      this.#write({ worker: 0, pid: process.pid, stream: 'primary' }, `log output was too slow: dropped ${n} line(s)`);
    }
    this.#write(source, msg);
  }

  /** A primary event. */
  event(msg: string): void {
    this.line({ worker: 0, pid: process.pid, stream: 'primary' }, msg);
  }

  #write(source: LineSource, msg: string): void {
    const time = new Date().toISOString();
    if (this.format === 'json') {
      this.#out.write(`${formatJson(time, source, msg)}\n`);
      return;
    }
    const who = source.worker === 0 ? `primary ${source.pid}` : `worker ${source.worker} ${source.pid}`;
    const err = source.stream === 'stderr' ? ' stderr' : '';
    this.#out.write(`${time} [${who}${err}] ${msg}\n`);
  }
}

/** One JSON object: a line that already was a JSON object is merged, not wrapped. */
export function formatJson(time: string, source: LineSource, msg: string): string {
  const who = source.worker === 0 ? 'primary' : source.worker;
  if (msg.startsWith('{') && msg.endsWith('}')) {
    try {
      const parsed = JSON.parse(msg) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return JSON.stringify({ time, ...parsed, worker: who, pid: source.pid, stream: source.stream });
      }
    } catch {
      // not JSON after all: wrap it
    }
  }
  return JSON.stringify({ time, worker: who, pid: source.pid, stream: source.stream, msg });
}
