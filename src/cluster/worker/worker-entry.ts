// The file a `volley serve` worker process is forked with (worker-process.ts). The published
// package runs the bundled copy instead, dist/worker-entry.js (scripts/bundle.mjs writes it
// next to dist/volley.js), so that the worker and the app's `import 'volley'` share one module.
import { runWorker } from './worker-main.js';

runWorker();
