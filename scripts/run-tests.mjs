#!/usr/bin/env node
// Runs the compiled test suite (dist/**/*.test.js) with node:test.
// Unit tests (beside the code in src/) run in parallel; end-to-end tests (test/) start
// real processes and bind ports, so on a 2-core machine they run one file at a time.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

const pick = (files) => files.filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
const unit = pick(collect(join(root, 'dist', 'src')));
const e2e = pick(collect(join(root, 'dist', 'test')));

let failed = false;
for (const [files, concurrency] of [
  [unit, 2],
  [e2e, 1],
]) {
  if (files.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...files],
    { stdio: 'inherit', cwd: root },
  );
  if (result.status !== 0) failed = true;
}
if (unit.length + e2e.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
process.exit(failed ? 1 : 0);
