import { runPrimary, type ServeOptions } from './cluster/primary/run-primary.js';
import { sharedStoreService } from './middleware/stores/worker-shared-store.js';

/**
 * Runs `volley serve` in this process (what the CLI does after parsing its flags): the
 * supervisor with its admin endpoint and signals, hosting the services the framework's
 * worker-side features need (the shared store of `workerSharedStore()`) besides the caller's.
 * Resolves with the exit code once it has stopped.
 */
export function serveCluster(options: ServeOptions): Promise<number> {
  return runPrimary({ ...options, services: { store: sharedStoreService(), ...options.services } });
}
