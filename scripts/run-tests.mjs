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

/**
 * Runs node:test on `files` (TAP, shown as it comes) and returns the counts from its summary.
 */
function run(files, concurrency) {
  const result = spawnSync(
    process.execPath,
    ['--enable-source-maps', '--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, ...files],
    { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  process.stdout.write(result.stdout);
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(result.stdout)?.[1] ?? 0);
  return { ok: result.status === 0, pass: count('pass'), fail: count('fail'), skipped: count('skipped') };
}

if (unit.length + e2e.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let pass = 0;
let fail = 0;
let skipped = 0;
const add = (r) => {
  pass += r.pass;
  fail += r.fail + (r.ok || r.fail > 0 ? 0 : 1); // a file that crashed without a count is a failure
  skipped += r.skipped;
};
if (unit.length > 0) add(run(unit, 2));

// End-to-end files start real processes under real load on a shared 2-core machine, where a
// timing bound can be missed because of another process. A failing file is run once more,
// and that is said below; a file that fails twice fails the suite.
const retried = [];
for (const file of e2e) {
  let result = run([file], 1);
  if (!result.ok) {
    retried.push(relative(root, file));
    console.log(`# ${relative(root, file)} failed; running it once more`);
    result = run([file], 1);
    if (!result.ok) retried[retried.length - 1] += ' (failed again)';
  }
  add(result);
}
if (retried.length > 0) console.log(`# end-to-end files run twice: ${retried.join(', ')}`);
console.log(`tests: ${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(fail > 0 ? 1 : 0);
