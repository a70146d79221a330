import type { Writable } from 'node:stream';
import { type LogLevel, levelFromField, levelOfText } from './log-level.js';

export type LogFormat = 'text' | 'json';

/** Where one merged line came from. `worker` 0 is the primary itself. */
export interface LineSource {
  worker: number;
  pid: number;
  stream: 'stdout' | 'stderr' | 'primary';
}

/**
 * One merged-log record as the backlog, `GET /logs` and the dashboard see it. `msg` may hold
 * several lines (a stack trace: line-coalescer.ts); `json` is the record as one JSON object,
 * exactly the line `--log-format json` writes.
 */
export interface LogRecord {
  /** Milliseconds since the epoch. */
  at: number;
  worker: number;
  pid: number;
  stream: LineSource['stream'];
  level: LogLevel;
  msg: string;
  json: string;
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
  readonly #listeners = new Set<(record: LogRecord) => void>();

  constructor(out: Writable, format: LogFormat = 'text') {
    this.#out = out;
    this.format = format;
  }

  /** Switches to another output stream (after a log-file rotation or reopen). */
  setOutput(out: Writable): void {
    this.#out = out;
  }

  /** Calls `listener` with every record from now on (also those the output drops); returns the unsubscribe. */
  onRecord(listener: (record: LogRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One record: a line, or the lines of one message (a stack trace) joined with '\n'. */
  line(source: LineSource, msg: string): void {
    const at = Date.now();
    const time = new Date(at).toISOString();
    let json: { json: string; level: LogLevel } | undefined;
    if (this.#listeners.size > 0) {
      json = toJson(time, source, msg);
      const record: LogRecord = { at, worker: source.worker, pid: source.pid, stream: source.stream, msg, ...json };
      for (const listener of this.#listeners) listener(record);
    }
    if (this.#out.writableLength > MAX_BUFFERED_BYTES) {
      this.dropped++;
      this.#droppedSinceNote++;
      return;
    }
    if (this.#droppedSinceNote > 0) {
      const n = this.#droppedSinceNote;
      this.#droppedSinceNote = 0;
      this.event(`log output was too slow: dropped ${n} line(s)`);
    }
    if (this.format === 'json') this.#out.write(`${(json ?? toJson(time, source, msg)).json}\n`);
    else this.#out.write(formatText(time, source, msg));
  }

  /** A primary event. */
  event(msg: string): void {
    this.line({ worker: 0, pid: process.pid, stream: 'primary' }, msg);
  }
}

/** The text format: every line of the record with the same prefix, as the lines were before they were joined. */
export function formatText(time: string, source: LineSource, msg: string): string {
  const who = source.worker === 0 ? `primary ${source.pid}` : `worker ${source.worker} ${source.pid}`;
  const err = source.stream === 'stderr' ? ' stderr' : '';
  const prefix = `${time} [${who}${err}] `;
  if (!msg.includes('\n')) return `${prefix}${msg}\n`;
  return `${prefix}${msg.split('\n').join(`\n${prefix}`)}\n`;
}

/**
 * One JSON object with a `level` (log-level.ts): a line that already was a JSON object is
 * merged, not wrapped, and its own level is kept (a pino or bunyan number becomes its name).
 */
export function formatJson(time: string, source: LineSource, msg: string): string {
  return toJson(time, source, msg).json;
}

function toJson(time: string, source: LineSource, msg: string): { json: string; level: LogLevel } {
  const who = source.worker === 0 ? 'primary' : source.worker;
  if (msg.startsWith('{') && msg.endsWith('}')) {
    try {
      const parsed = JSON.parse(msg) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const fields = parsed as Record<string, unknown>;
        const level = levelFromField(fields.level) ?? levelOfText(source.stream, '');
        const json = JSON.stringify({ time, ...fields, level, worker: who, pid: source.pid, stream: source.stream });
        return { json, level };
      }
    } catch {
      // not JSON after all: wrap it
    }
  }
  const level = levelOfText(source.stream, msg);
  return { json: JSON.stringify({ time, level, worker: who, pid: source.pid, stream: source.stream, msg }), level };
}
