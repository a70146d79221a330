/**
 * Restart delays for a slot whose worker keeps crashing: about 100 ms, doubling up to 15 s,
 * back to the start once a worker has run stably for 30 s.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #stableMs: number;
  #failures = 0;

  constructor(initialMs = 100, maxMs = 15_000, stableMs = 30_000) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#stableMs = stableMs;
  }

  /** The delay before the next restart, given how long the crashed worker ran. */
  next(ranForMs: number): number {
    if (ranForMs >= this.#stableMs) this.#failures = 0;
    const delay = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#failures);
    this.#failures++;
    return delay;
  }

  get failures(): number {
    return this.#failures;
  }
}
