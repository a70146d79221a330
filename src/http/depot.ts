/** A class used as a Depot key: `depot.inject(new User())`, `depot.obtain(User)`. */
// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature are valid type keys
export type TypeKey<T> = abstract new (...args: any[]) => T;

/**
 * The request-scoped store hoops use to hand data to later handlers (Salvo's Depot):
 * by string key (`insert`/`get`) or by type (`inject`/`obtain`). The map is created on
 * first use, so requests that never touch the depot allocate nothing for it.
 */
export class Depot {
  #map: Map<unknown, unknown> | undefined;

  #store(): Map<unknown, unknown> {
    this.#map ??= new Map();
    return this.#map;
  }

  insert(key: string, value: unknown): this {
    this.#store().set(key, value);
    return this;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#map?.get(key) as T | undefined;
  }

  has(key: string | TypeKey<unknown>): boolean {
    return this.#map?.has(key) ?? false;
  }

  remove<T = unknown>(key: string | TypeKey<T>): T | undefined {
    const value = this.#map?.get(key) as T | undefined;
    this.#map?.delete(key);
    return value;
  }

  /** Stores a value under its own class, replacing any earlier value of that class. */
  inject<T extends object>(value: T): this {
    this.#store().set(value.constructor, value);
    return this;
  }

  obtain<T>(type: TypeKey<T>): T | undefined {
    return this.#map?.get(type) as T | undefined;
  }

  get size(): number {
    return this.#map?.size ?? 0;
  }
}
