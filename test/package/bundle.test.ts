// The published entry point is the bundle dist/volley.js (scripts/bundle.mjs), while the unit
// tests import tsc's output in dist/src. These check that the bundle is the same package.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths.js';

type Volley = typeof import('../../src/index.js');
const load = async (path: string): Promise<Volley> =>
  (await import(pathToFileURL(join(repoRoot, path)).href)) as Volley;

test('the package entry is the bundle, and it exports what src/index.ts exports (plus the CLI and worker entry points)', async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: { '.': { default: string } };
  };
  assert.equal(pkg.exports['.'].default, './dist/volley.js');
  const bundle = await load('dist/volley.js');
  const unbundled = await load('dist/src/index.js');
  assert.deepEqual(Object.keys(bundle).sort(), [...Object.keys(unbundled), 'runCli', 'runWorker'].sort());
  // One module: the bundle imports packages and Node built-ins only, no file of its own.
  const source = readFileSync(join(repoRoot, 'dist', 'volley.js'), 'utf8');
  assert.deepEqual(source.match(/^import .* from ["']\.\.?\/.*$/gm), null);
});

test('errors keep their class names in the bundle', async () => {
  const { RouteError, Router, StatusError, UsageError } = await load('dist/volley.js');
  assert.equal(StatusError.notFound().name, 'StatusError');
  assert.equal(new UsageError('x').name, 'UsageError');
  assert.throws(
    () => new Router('/{a}{b}'),
    (err: Error) => err instanceof RouteError && err.name === 'RouteError',
  );
});
