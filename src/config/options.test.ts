import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText, withDocsTable } from './generated.js';
import { envName, type OptionSpec, RESERVED_ENV, SERVE_OPTIONS } from './options.js';

// This file runs as dist/src/config/options.test.js.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const specs = SERVE_OPTIONS as readonly OptionSpec[];

test('config keys are the flags in camelCase', () => {
  for (const spec of specs) {
    assert.equal(
      spec.key,
      spec.flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
    );
  }
});

test('no option is read from a variable that has another meaning, and no two share one', () => {
  const names = specs.map(envName).filter((n) => n !== undefined);
  assert.equal(new Set(names).size, names.length);
  for (const name of names) {
    assert.ok(!(RESERVED_ENV as readonly string[]).includes(name), `${name} is reserved`);
    assert.ok(!name.startsWith('VOLLEY_WORKER_'), `${name}: VOLLEY_WORKER_* is what a worker is told`);
  }
  assert.equal(envName(specs.find((s) => s.key === 'workers')!), 'VOLLEY_WORKERS');
  assert.equal(envName(specs.find((s) => s.key === 'admin')!), undefined);
});

test('the committed volley.schema.json is the one the option table makes (scripts/gen-config-docs.mjs)', () => {
  assert.equal(readFileSync(resolve(ROOT, 'volley.schema.json'), 'utf8'), configJsonSchemaText());
});

test("docs/serve.md's options table is the one the option table makes (scripts/gen-config-docs.mjs)", () => {
  const docs = readFileSync(resolve(ROOT, 'docs', 'serve.md'), 'utf8');
  assert.equal(docs, withDocsTable(docs));
});
