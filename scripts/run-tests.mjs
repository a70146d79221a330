#!/usr/bin/env node
// Runs the compiled test suite (dist/**/*.test.js) with node:test.
// Unit tests (beside the code in src/) run in parallel; end-to-end tests (test/) start
// real processes and bind ports, so on a 2-core machine they run one file at a time.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one)
import { spawn } from 'node:child_process';
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

/** Reads a YAML scalar as node:test's TAP reporter writes it: 'quoted' ('' is a quote), ~, or bare. */
function scalar(text) {
  if (text === '~') return undefined;
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  return text;
}

/**
 * The failures in node:test TAP output: one entry per `not ok` line, with the full test name
 * (parents joined by ' > ', from the `# Subtest:` lines) and the fields of its YAML block that
 * tell what failed. A parent whose only fault is a failing subtest is left out: the subtest is
 * listed. Runs of the whole file (the test named after the file path, which node:test reports
 * when the file's process ends badly) are included like any other test.
 */
function parseFailures(tap) {
  const lines = tap.split('\n');
  const names = []; // names[depth] = the subtest being reported at that depth
  const failures = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = line.length - line.trimStart().length;
    const depth = indent / 4;
    const text = line.trim();
    const subtest = /^# Subtest: (.*)$/.exec(text);
    if (subtest) {
      names.length = depth;
      names[depth] = unescapeName(subtest[1]);
      continue;
    }
    const notOk = /^not ok \d+ - (.*?)(?: # (?:SKIP|TODO).*)?$/.exec(text);
    if (!notOk) continue;
    const failure = { name: [...names.slice(0, depth), unescapeName(notOk[1])].join(' > '), fields: {} };
    // The YAML block: `---` on the next line, keys two spaces in, `|-` values four in, `...` ends it.
    if (lines[i + 1]?.trim() === '---') {
      const keyIndent = indent + 2;
      let j = i + 2;
      for (; j < lines.length && lines[j].trim() !== '...'; j++) {
        const kv = /^(\w+): (.*)$/.exec(lines[j].slice(keyIndent));
        if (!kv || lines[j].length - lines[j].trimStart().length !== keyIndent) continue;
        if (kv[2] === '|-' || kv[2] === '|') {
          const block = [];
          while (
            j + 1 < lines.length &&
            (lines[j + 1].startsWith(' '.repeat(keyIndent + 2)) || lines[j + 1].trim() === '')
          ) {
            block.push(lines[++j].slice(keyIndent + 2));
          }
          failure.fields[kv[1]] = block.join('\n').trimEnd();
        } else {
          failure.fields[kv[1]] = scalar(kv[2]);
        }
      }
      i = j;
    }
    if (failure.fields.failureType !== 'subtestsFailed') failures.push(failure);
  }
  return failures;
}

/** TAP escapes '#' and '\' in test names. */
const unescapeName = (name) => name.replace(/\\([#\\])/g, '$1');

/**
 * THE RETRY RULE. An end-to-end file is run a second time only when every failure in its first
 * run is one of these known infrastructure errors, none of which can come from an assertion:
 *
 *  1. A port bind that lost a race: the error is not an AssertionError and its text says
 *     EADDRINUSE. Tests pick a free port with freePort() (bind to 0, close, hand the number to a
 *     child that binds it again); on a machine shared with other engineers another process can
 *     take the port in between. A test that expects EADDRINUSE checks it with assert, so when
 *     that check fails it is an AssertionError and is not retried.
 *  2. The test process killed from outside: the file-level failure (the test named after the
 *     file) with signal SIGKILL, which on this machine is the kernel's OOM killer or another
 *     user; no test here sends SIGKILL to its own process. Also the `node --test` runner itself
 *     killed by a signal or exiting without its summary (`# tests N`), with no test reported as
 *     failed before that. Tests that passed before the kill run again and must pass again.
 *
 * Anything else (an assertion, a timeout, a thrown error, a hook failure, a crash with an exit
 * code or another signal such as SIGSEGV) fails the run on the first attempt. The retried run's
 * result is the file's result: any failure in it, the same test again or another, fails the run.
 * Every retried test's first failure is printed in the summary, so a flake stays visible.
 */
function infrastructureFailure(failure, file) {
  const f = failure.fields;
  const assertion = f.name === 'AssertionError' || f.code === 'ERR_ASSERTION';
  if (!assertion && (f.code === 'EADDRINUSE' || /EADDRINUSE/.test(f.error ?? ''))) return 'EADDRINUSE';
  if (failure.name === file && f.signal === 'SIGKILL') return 'test process killed (SIGKILL)';
  return undefined;
}

/** The first lines of a failure, for the summary: the error message and how the process ended. */
function describe(failure) {
  const f = failure.fields;
  const parts = [f.failureType, f.name, f.code].filter((p) => p && p !== 'ERR_TEST_FAILURE');
  const head = (f.error ?? '(no error message)').split('\n').filter(Boolean).slice(0, 3).join(' | ');
  const end = f.signal || f.exitCode ? ` (exit code ${f.exitCode ?? '-'}, signal ${f.signal ?? '-'})` : '';
  const where = f.location && !failure.name.startsWith('/') ? ` (${relative(root, f.location)})` : '';
  return `${failure.name}${where}: ${parts.length ? `[${parts.join(', ')}] ` : ''}${head}${end}`;
}

/**
 * Runs node:test on `files` (TAP, shown as it comes) and returns the counts from its summary
 * and the failures it reported.
 */
function run(files, concurrency) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', '--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, ...files],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code, signal) => {
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
      resolve({
        ok: code === 0,
        code,
        signal,
        summarised: /^# tests \d+$/m.test(out),
        pass: count('pass'),
        // A test that timed out is counted as cancelled, not failed; it is a failure here.
        fail: count('fail') + count('cancelled'),
        skipped: count('skipped'),
        failures: parseFailures(out),
      });
    });
  });
}

/** Why this run of one e2e file may be retried, or undefined when it may not (see the rule above). */
function retryReason(result, file) {
  if (result.ok) return undefined;
  const name = relative(root, file);
  if (!result.summarised && result.failures.length === 0) {
    return `the test runner ended without a result (exit code ${result.code ?? '-'}, signal ${result.signal ?? '-'})`;
  }
  if (result.failures.length === 0) return undefined; // failed without saying what: not retried
  const reasons = result.failures.map((f) => infrastructureFailure(f, file));
  if (reasons.some((r) => r === undefined)) return undefined;
  return `${[...new Set(reasons)].join(', ')} in ${name}`;
}

if (unit.length + e2e.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let pass = 0;
let fail = 0;
let skipped = 0;
const failed = []; // every failure that counts, described
const retried = []; // every retried file's first failures, described
const add = (r, file) => {
  pass += r.pass;
  const crashed = !r.ok && r.fail === 0; // a run that failed without a count is a failure
  fail += r.fail + (crashed ? 1 : 0);
  for (const f of r.failures) failed.push(describe(f));
  if (crashed && r.failures.length === 0) {
    failed.push(`${file ? relative(root, file) : 'unit tests'}: exit code ${r.code ?? '-'}, signal ${r.signal ?? '-'}`);
  }
  skipped += r.skipped;
};
if (unit.length > 0) add(await run(unit, 2));

for (const file of e2e) {
  let result = await run([file], 1);
  const reason = retryReason(result, file);
  if (reason) {
    const first = result.failures.map(describe);
    console.log(`# ${relative(root, file)} failed on a known infrastructure error (${reason}); running it once more`);
    result = await run([file], 1);
    retried.push({ file: relative(root, file), first, again: !result.ok });
  }
  add(result, file);
}

if (retried.length > 0) {
  console.log(`# end-to-end files retried after an infrastructure error: ${retried.length}`);
  for (const r of retried) {
    console.log(`#   ${r.file}: ${r.again ? 'FAILED AGAIN' : 'passed on the retry'}; first failure:`);
    for (const line of r.first.length > 0 ? r.first : ['(no test result)']) console.log(`#     ${line}`);
  }
}
if (failed.length > 0) {
  console.log('# failed:');
  for (const line of failed) console.log(`#   ${line}`);
}
const retriedNote = retried.length > 0 ? `, ${retried.length} file(s) retried (listed above)` : '';
console.log(`tests: ${pass} passed, ${fail} failed, ${skipped} skipped${retriedNote}`);
process.exit(fail > 0 ? 1 : 0);
