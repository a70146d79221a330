import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A dependency loaded on first use instead of at import. `import { ... } from 'volley'` loads
 * every module of the package, and a `volley serve` worker loads it at every start, restart
 * and reload: loading ioredis, undici, jose, ws, busboy and send up front cost about a third
 * of a worker's start-up here, for apps that mostly use none of them. (All are CommonJS,
 * so a synchronous require works.)
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireHere(id) as T;
    return loaded;
  };
}
