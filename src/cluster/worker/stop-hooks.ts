/**
 * What an app runs when its worker stops (a graceful stop, a reload, a recycle, a scale-down):
 * close a database pool, flush a buffer. Every app shape gets the same: an exported `onStop`
 * (or `close`) function, Fastify's `close()` (its onClose hooks), and the app's own
 * `process.on('SIGTERM')` listeners, which a worker never receives a real SIGTERM for (the
 * primary asks it to drain over IPC). They run after the drain, before the worker exits,
 * bounded by what is left of --shutdown-timeout.
 */
export type StopHook = { what: string; run: () => unknown };

/** The module's exported `onStop()`, else its exported `close()`. */
export function exportedStopHooks(exports: Record<string, unknown>): StopHook[] {
  for (const name of ['onStop', 'close'] as const) {
    const hook = exports[name];
    if (typeof hook === 'function') return [{ what: `exported ${name}()`, run: () => (hook as () => unknown)() }];
  }
  return [];
}

/** SIGTERM listeners added since `before` was taken: the app's own. */
export function appSignalHooks(before: readonly NodeJS.SignalsListener[]): StopHook[] {
  return process
    .listeners('SIGTERM')
    .filter((l) => !before.includes(l))
    .map((l) => ({ what: "the app's SIGTERM listener", run: () => l('SIGTERM') }));
}

/** Runs the hooks in order, each awaited, all within `timeoutMs`; failures are logged, not thrown. */
export async function runStopHooks(hooks: StopHook[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const hook of hooks) {
    const left = deadline - Date.now();
    if (left <= 0) {
      console.error(`volley worker: no time left for ${hook.what} (--shutdown-timeout)`);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(hook.run),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`still running after ${left} ms (--shutdown-timeout)`)), left);
        }),
      ]);
    } catch (err) {
      console.error(`volley worker: ${hook.what} failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
