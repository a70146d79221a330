import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AppModuleError } from '../../errors.js';
import { loadAppModule } from './load-app.js';

function project(type: 'commonjs' | 'module', files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'volley-load-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', type }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('a TypeScript module with ES syntax in a CommonJS package: its default and named exports', async (t) => {
  const dir = project('commonjs', {
    'app.ts': 'export default { answer: 42 as number };\nexport const onStop = (): number => 1;\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const loaded = await loadAppModule(join(dir, 'app.ts'));
  assert.deepEqual(loaded.value, { answer: 42 });
  assert.equal(typeof loaded.exports.onStop, 'function');
});

test('module.exports of a .cjs module and the default export of an .mjs one', async (t) => {
  const dir = project('module', {
    'app.cjs': 'module.exports = function listener(req, res) { res.end("x"); };\nmodule.exports.close = () => 1;\n',
    'app.mjs': 'export default { fetch() {} };\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cjs = await loadAppModule(join(dir, 'app.cjs'));
  assert.equal(typeof cjs.value, 'function');
  assert.equal(typeof cjs.exports.close, 'function');
  const esm = await loadAppModule(join(dir, 'app.mjs'));
  assert.equal(typeof (esm.value as { fetch: unknown }).fetch, 'function');
});

test('a module that throws while loading: one line saying what and where', async (t) => {
  const dir = project('module', { 'app.mjs': 'const x = 1;\nthrow new TypeError("no database URL");\n' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(loadAppModule(join(dir, 'app.mjs')), (err: unknown) => {
    assert.ok(err instanceof AppModuleError);
    assert.match(err.message, /^cannot load app module .*app\.mjs: TypeError: no database URL\n {4}at .*app\.mjs:2/);
    return true;
  });
});
