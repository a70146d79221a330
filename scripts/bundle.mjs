// Joins the compiled package (dist/src, tsc's output) into one ES module, dist/volley.js,
// plus dist/worker-entry.js, the two-line file `volley serve` forks its workers with.
//
// Why one module: a process that has loaded more than a few ES modules runs Node's own HTTP
// code slower. In a callgrind count of the hello benchmark, loading Volley's ~60 compiled
// modules (or as many one-line modules: it is the count, not the code) turns two property
// stores per request inside node:http (in the OutgoingMessage constructor and the parser's
// headers-complete callback) into generic inline-cache calls: ~1,000 more instructions per
// request. As one module that cost is gone, and importing Volley takes ~40 ms less (worker
// start, restarts, rolling reloads). The bundle is the code tsc emitted, only concatenated,
// so the unit tests (which import dist/src) test the same code.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// The npm package has no src/, so a map there would send stack traces to files that are not in
// it: `npm pack`/`npm publish` (npm_command, set for their prepare script) bundle without one.
// That is why package.json's prepare runs tsc and this script itself: through `npm run build`,
// the nested npm would set npm_command to run-script.
const forPackage = ['pack', 'publish'].includes(process.env.npm_command ?? '');
if (forPackage) rmSync('dist/volley.js.map', { force: true });

const started = performance.now();
await build({
  entryPoints: ['dist/src/bundle.js'],
  outfile: 'dist/volley.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies stay packages of their own, resolved from node_modules at run time.
  packages: 'external',
  // esbuild follows tsc's source maps, so stack traces (with --enable-source-maps) name src/*.ts.
  sourcemap: forPackage ? false : 'linked',
  logLevel: 'warning',
});
// worker-process.ts forks './worker-entry.js' next to the module it is in: here, dist/volley.js.
writeFileSync('dist/worker-entry.js', "import { runWorker } from './volley.js';\n\nrunWorker();\n");
console.log(`bundle: dist/volley.js in ${Math.round(performance.now() - started)} ms`);
