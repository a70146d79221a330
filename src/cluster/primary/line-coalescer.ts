/**
 * Joins the lines of one multi-line message from one worker stream into one record, so that
 * `console.error(err)` or a printed `err.stack` is one merged-log record, not one per frame.
 *
 * The rule. A line L continues the open record R (same worker, same stream) when
 *   1. R is still open: R is closed once its stream has been idle for `windowMs` (no line
 *      read since R's last one). One write() of a stack arrives in one or a few reads in the
 *      same instant; a line printed later is a new message. Idleness is confirmed after the
 *      event loop has read what is waiting (a timer, then setImmediate, which runs after the
 *      poll phase), so a primary too busy to read for a while does not cut a stack whose rest
 *      was already waiting in the pipe, and
 *   2. R stays within `maxLines` lines and `maxBytes` characters, and
 *   3. either L is a stack frame (whitespace, then "at "), or R is an error and L is indented
 *      (the `[cause]: ...`, `code: 'E...'` and `[errors]: [...]` lines of util.inspect) or is a
 *      closing `}` or `]` (the end of an inspected error's own properties).
 * R is an error when its first line looks like an error's header ("Error: x",
 * "TypeError [ERR_X]: y", "Uncaught ...", "SomethingException") or once a stack frame joined it
 * ("request failed: Error: boom" followed by frames).
 * Anything else starts a new record. The open record is emitted when a line does not continue
 * it, when it is closed as idle, or by flush() (the pipe closed). Only a record that may still
 * grow waits for idleness past the end of the read that brought it (endOfChunk()): an error, or
 * one whose first line mentions an Error or Exception or ends with ':' (a stack split across two
 * reads); any other line is emitted at the end of its read, so plain output is not delayed and
 * keeps its order with what the primary logs about the worker.
 */

/** Time and timers, injectable so unit tests run the window on a fake clock. */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `fn` after the I/O that is ready now was read (setImmediate). */
  defer(fn: () => void): void;
}

export const realClock: CoalescerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  defer: (fn) => {
    setImmediate(fn);
  },
};

export interface CoalescerOptions {
  /** Default 20 ms. */
  windowMs?: number;
  /** Default 200 lines. */
  maxLines?: number;
  /** Default 64 KiB (characters). */
  maxBytes?: number;
  clock?: CoalescerClock;
}

const FRAME = /^\s+at\s/;
const ERROR_HEAD = /^(?:Uncaught |\[?[\w$.]*(?:Error|Exception)\]?(?: \[[\w-]+\])?(?::|$))/;
const INDENTED = /^\s/;
/** A first line that frames could still follow in the next read. */
const MAY_GROW = /Error|Exception|:\s*$/;
const CLOSING = /^[}\]]/;

export class LineCoalescer {
  readonly #emit: (text: string) => void;
  readonly #windowMs: number;
  readonly #maxLines: number;
  readonly #maxBytes: number;
  readonly #clock: CoalescerClock;
  #pending: string | undefined;
  #lines = 0;
  #isError = false;
  #mayGrow = false;
  #lastAt = 0;
  #timer: unknown;

  constructor(emit: (text: string) => void, options: CoalescerOptions = {}) {
    this.#emit = emit;
    this.#windowMs = options.windowMs ?? 20;
    this.#maxLines = options.maxLines ?? 200;
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
    this.#clock = options.clock ?? realClock;
  }

  push(line: string): void {
    const now = this.#clock.now();
    const pending = this.#pending;
    if (pending !== undefined) {
      if (this.#lines < this.#maxLines && pending.length + line.length < this.#maxBytes && this.#continues(line)) {
        this.#pending = `${pending}\n${line}`;
        this.#lines++;
        this.#lastAt = now;
        return;
      }
      this.#emit(pending);
    }
    this.#pending = line;
    this.#lines = 1;
    this.#isError = ERROR_HEAD.test(line);
    this.#mayGrow = MAY_GROW.test(line);
    this.#lastAt = now;
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(this.#onTimer, this.#windowMs);
  }

  /** The read that brought the last lines is done: emit the open record unless it may still grow. */
  endOfChunk(): void {
    if (this.#pending === undefined || this.#isError || this.#mayGrow) return;
    this.flush();
  }

  /** Emits the open record now (the stream ended). */
  flush(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) this.#emit(pending);
  }

  #continues(line: string): boolean {
    if (FRAME.test(line)) {
      this.#isError = true;
      return true;
    }
    return this.#isError && (INDENTED.test(line) || CLOSING.test(line));
  }

  readonly #onTimer = (): void => {
    if (this.#pending === undefined) {
      this.#timer = undefined;
      return;
    }
    const left = this.#lastAt + this.#windowMs - this.#clock.now();
    if (left > 0) {
      this.#timer = this.#clock.setTimeout(this.#onTimer, left);
      return;
    }
    // Idle by the clock; idle for real only if nothing was waiting to be read either.
    const seen = this.#lastAt;
    const handle = this.#timer;
    this.#clock.defer(() => {
      if (this.#timer !== handle) return; // flushed and restarted meanwhile
      this.#timer = undefined;
      if (this.#pending === undefined) return;
      if (this.#lastAt === seen) this.flush();
      else this.#timer = this.#clock.setTimeout(this.#onTimer, this.#windowMs);
    });
  };
}
