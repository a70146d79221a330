import { createWriteStream, existsSync, openSync, renameSync, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';

export interface RotatingFileOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxSize: number;
  /** Old files kept as PATH.1 (newest) ... PATH.N; 0 keeps none. */
  keep: number;
}

/**
 * The merged log's file output (`--log-file`). Size-based rotation is done here because it
 * must stay in step with the primary's own writes (rename, then reopen, between two lines);
 * `reopen()` (SIGUSR1) lets an external logrotate move the file away instead.
 * As a Writable it reports `writableLength`, so LogSink's bound on buffered bytes applies.
 */
export class RotatingFile extends Writable {
  readonly path: string;
  readonly #options: RotatingFileOptions;
  #stream: WriteStream;
  #size: number;
  rotations = 0;

  constructor(path: string, options: RotatingFileOptions) {
    super({ highWaterMark: 64 * 1024 });
    this.path = path;
    this.#options = options;
    this.#stream = this.#open();
    this.#size = this.#currentSize();
  }

  #open(): WriteStream {
    // Opened synchronously so the file exists at once (a rename may follow immediately).
    const stream = createWriteStream(this.path, { fd: openSync(this.path, 'a') });
    stream.on('error', (err) => this.destroy(err));
    return stream;
  }

  #currentSize(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#size > 0 && this.#size + chunk.length > this.#options.maxSize) this.#rotate();
    this.#size += chunk.length;
    const stream = this.#stream;
    if (stream.write(chunk)) {
      callback();
      return;
    }
    // A rotation or reopen may end this stream before it drains, and an ending stream never
    // emits 'drain': its 'finish' (the bytes are written) releases the write as well.
    const release = () => {
      stream.off('drain', release);
      stream.off('finish', release);
      callback();
    };
    stream.on('drain', release);
    stream.on('finish', release);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#stream.end(callback);
  }

  /** PATH -> PATH.1 -> PATH.2 ... (the oldest beyond `keep` is deleted), then a new PATH. */
  #rotate(): void {
    const old = this.#stream;
    old.end();
    const { keep } = this.#options;
    const name = (i: number) => `${this.path}.${i}`;
    if (keep === 0) {
      if (existsSync(this.path)) unlinkSync(this.path);
    } else {
      if (existsSync(name(keep))) unlinkSync(name(keep));
      for (let i = keep - 1; i >= 1; i--) if (existsSync(name(i))) renameSync(name(i), name(i + 1));
      // The old stream's pending bytes still land in the renamed file: it keeps its descriptor.
      // PATH may be gone: an external logrotate moved it and its SIGUSR1 is still on its way.
      if (existsSync(this.path)) renameSync(this.path, name(1));
    }
    this.#stream = this.#open();
    this.#size = 0;
    this.rotations++;
  }

  /** Reopens PATH (after an external tool moved it away), as SIGUSR1 asks. */
  reopen(): void {
    const old = this.#stream;
    this.#stream = this.#open();
    old.end();
    this.#size = this.#currentSize();
  }
}

/** Parses `--log-max-size`: bytes, or with a K, M or G suffix (powers of 1024). */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const bytes = Number(m[1]) * unit;
  return bytes > 0 ? bytes : undefined;
}
