import type { LogRecord } from './log-sink.js';

export interface BacklogOptions {
  /** Most records kept. Default 10,000. */
  maxRecords?: number;
  /** Most characters kept (the record's JSON and its message). Default 8 Mi (about 8-16 MiB of memory). */
  maxChars?: number;
}

export interface BacklogQuery {
  /** Only records at or after this time (ms since the epoch). */
  since?: number;
  /** Only this worker's records (0: the primary's). */
  worker?: number;
  /** Only the newest this many (after the other filters). */
  last?: number;
}

export function matches(record: LogRecord, query: BacklogQuery): boolean {
  return (
    (query.since === undefined || record.at >= query.since) &&
    (query.worker === undefined || record.worker === query.worker)
  );
}

/**
 * The newest records of the merged log, kept in the primary for `volley logs` and the
 * dashboard: a ring of at most `maxRecords` records and `maxChars` characters, whichever is
 * reached first (the oldest go). Live followers subscribe and get each record as it comes.
 */
export class LogBacklog {
  readonly maxRecords: number;
  readonly maxChars: number;
  readonly #ring: (LogRecord | undefined)[];
  #start = 0;
  #count = 0;
  #chars = 0;
  readonly #followers = new Set<(record: LogRecord) => void>();

  constructor(options: BacklogOptions = {}) {
    this.maxRecords = options.maxRecords ?? 10_000;
    this.maxChars = options.maxChars ?? 8 * 1024 * 1024;
    this.#ring = new Array(this.maxRecords);
  }

  get size(): number {
    return this.#count;
  }

  get chars(): number {
    return this.#chars;
  }

  push(record: LogRecord): void {
    const cost = record.json.length + record.msg.length;
    while (this.#count > 0 && (this.#count === this.maxRecords || this.#chars + cost > this.maxChars))
      this.#dropOldest();
    if (cost <= this.maxChars) {
      this.#ring[(this.#start + this.#count) % this.maxRecords] = record;
      this.#count++;
      this.#chars += cost;
    }
    for (const follow of this.#followers) follow(record);
  }

  #dropOldest(): void {
    const old = this.#ring[this.#start]!;
    this.#ring[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.maxRecords;
    this.#count--;
    this.#chars -= old.json.length + old.msg.length;
  }

  /** The kept records that match, oldest first. */
  query(query: BacklogQuery = {}): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < this.#count; i++) {
      const r = this.#ring[(this.#start + i) % this.maxRecords]!;
      if (matches(r, query)) out.push(r);
    }
    return query.last !== undefined && out.length > query.last ? out.slice(out.length - query.last) : out;
  }

  /** Calls `fn` with every record pushed from now on; returns the unsubscribe. */
  follow(fn: (record: LogRecord) => void): () => void {
    this.#followers.add(fn);
    return () => this.#followers.delete(fn);
  }
}
