import { VolleyError } from '../errors.js';

/**
 * A route that cannot be built: a malformed path pattern, or a router changed after it
 * was compiled. Thrown when the router is built, never while serving, so a typo in a
 * pattern fails at startup instead of silently never matching (Salvo logs and installs a
 * never-matching filter; Volley refuses).
 */
export class RouteError extends VolleyError {
  /** The pattern that was rejected, when the error is about a pattern. */
  readonly pattern: string | undefined;
  /** Offset (UTF-16 code units) of the offending character in `pattern`. */
  readonly offset: number | undefined;

  constructor(message: string, pattern?: string, offset?: number) {
    super('VOLLEY_ERR_BAD_ROUTE', message);
    this.pattern = pattern;
    this.offset = offset;
  }

  /**
   * The error for a bad pattern. The message repeats the pattern with a caret under the
   * offending character, the way compilers point at a column:
   *
   *     invalid route pattern: two wildcards in one pattern
   *       /files/{**a}/{**b}
   *                    ^
   */
  static at(pattern: string, offset: number, reason: string): RouteError {
    const column = Math.max(0, Math.min(offset, pattern.length));
    const message = `invalid route pattern: ${reason}\n  ${pattern}\n  ${' '.repeat(column)}^`;
    return new RouteError(message, pattern, column);
  }
}
