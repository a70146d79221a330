/**
 * The request path as the reference matcher (Router#detect) walks it: segments split on
 * '/', then each percent-decoded. Splitting first is what keeps an encoded slash (%2F)
 * inside one segment, so `/files/a%2Fb` gives `{name}` = 'a/b' instead of two segments.
 * Empty segments are dropped, which is why repeated and trailing slashes are ignored.
 */
export class PathState {
  /** Decoded, non-empty segments. */
  readonly parts: readonly string[];
  /** Index of the next segment to match. */
  cursor = 0;
  /** Params captured so far, in capture order. */
  params: Record<string, string> = {};
  /** Set when some router saw the whole path consumed: tells 405 from 404. */
  onceEnded = false;

  constructor(rawPath: string) {
    this.parts = splitPath(rawPath);
  }

  get isEnded(): boolean {
    return this.cursor >= this.parts.length;
  }
}

/** Splits a raw path into decoded, non-empty segments. */
export function splitPath(rawPath: string): string[] {
  const parts: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw !== '') parts.push(decodeSegment(raw));
  }
  return parts;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Percent-decodes one segment and never throws. A malformed escape ('%zz', a lone '%')
 * is kept as it is, and bytes that are not valid UTF-8 become U+FFFD: the same result as
 * Salvo (percent_decode + decode_utf8_lossy), so such a segment still matches a `{param}`
 * and simply fails a literal.
 */
export function decodeSegment(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return lenientDecode(raw);
  }
}

function lenientDecode(raw: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const hex = c === '%' ? raw.slice(i + 1, i + 3) : '';
    if (hex.length === 2 && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      // Copy the character (a whole surrogate pair when there is one) as UTF-8.
      const cp = raw.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (ch.length === 2) i++;
      for (const b of encoder.encode(ch)) bytes.push(b);
    }
  }
  return utf8.decode(new Uint8Array(bytes));
}
