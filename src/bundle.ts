/**
 * The package as one module: the public API (index.ts) plus the entry points of the
 * `volley` command (runCli) and of its worker processes (runWorker), both internal.
 * scripts/bundle.mjs joins it into dist/volley.js, which is what `import 'volley'`,
 * bin/volley.js and the workers load, so that a process has one copy of every class and
 * singleton (the bus, the metrics registry).
 */

export { runCli } from './cli/main.js';
export { runWorker } from './cluster/worker/worker-main.js';
export * from './index.js';
