import { StringDecoder } from 'node:string_decoder';

/**
 * Longest line passed on whole (1 MiB: a 200 KiB stack trace or JSON record arrives as
 * one line); longer ones are cut into pieces of at most this many bytes, so a runaway
 * writer without newlines cannot grow the primary's memory without bound.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Length (in UTF-16 units) of the longest prefix of `text` that fits in MAX_LINE_BYTES of UTF-8. */
function fittingPrefix(text: string): number {
  let cut = Math.min(text.length, MAX_LINE_BYTES);
  while (cut > 0 && Buffer.byteLength(text.slice(0, cut)) > MAX_LINE_BYTES) cut = Math.floor(cut * 0.9);
  // do not split a surrogate pair
  const code = text.charCodeAt(cut - 1);
  if (cut > 1 && code >= 0xd800 && code <= 0xdbff) cut--;
  return Math.max(cut, 1);
}

/**
 * Frames a byte stream (a worker's stdout or stderr) into lines. Partial lines wait for
 * their end; a multi-byte character split across chunks is kept whole (StringDecoder);
 * invalid UTF-8 becomes U+FFFD; a line over MAX_LINE_BYTES is emitted in pieces so one
 * runaway line cannot grow memory without bound. `end()` emits what is left.
 */
export class LineFramer {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onLine: (line: string) => void;
  #pending = '';

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    let text = this.#pending + this.#decoder.write(chunk);
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      const end = newline > 0 && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.#emitPieces(text.slice(0, end), true);
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    this.#pending = this.#emitPieces(text, false);
  }

  end(): void {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    if (rest.length > 0) this.#emitPieces(rest, true);
  }

  /** Emits full-size pieces of an over-long line; the rest too when `complete`, else returns it. */
  #emitPieces(line: string, complete: boolean): string {
    let rest = line;
    while (rest.length > MAX_LINE_BYTES / 4 && Buffer.byteLength(rest) > MAX_LINE_BYTES) {
      const cut = fittingPrefix(rest);
      this.#onLine(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    if (complete) {
      this.#onLine(rest);
      return '';
    }
    return rest;
  }
}
