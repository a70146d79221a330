import type { PrimaryService } from './supervisor-options.js';
import type { WorkerHandle } from './worker-handle.js';

/**
 * The services the primary hosts for its workers (e.g. the shared store): answers a worker's
 * `rpc` message with an `rpc-reply` carrying the value or the error's message.
 */
export class PrimaryServices {
  readonly #services: ReadonlyMap<string, PrimaryService>;

  constructor(services: Record<string, PrimaryService> = {}) {
    this.#services = new Map(Object.entries(services));
  }

  serve(worker: WorkerHandle, id: number, service: string, op: string, args: unknown[]): void {
    const handler = this.#services.get(service);
    if (!handler) {
      worker.send({ volley: 'rpc-reply', id, ok: false, error: `the primary hosts no service '${service}'` });
      return;
    }
    Promise.resolve()
      .then(() => handler(op, args, worker.slot))
      .then(
        (value) => worker.send({ volley: 'rpc-reply', id, ok: true, value: value ?? null }),
        (err: unknown) =>
          worker.send({ volley: 'rpc-reply', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  }
}
