// The code samples of README.md and docs/*.md that stand on their own run without an error
// (scripts/check-doc-samples.mjs --run; `npm run typecheck` type-checks all of them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

test('the stand-alone doc samples run', { timeout: 300_000 }, () => {
  const res = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'check-doc-samples.mjs'), '--run'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 280_000,
  });
  assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  const ran = /(\d+) of (\d+) code blocks stand alone and ran/.exec(res.stdout);
  assert.ok(ran, res.stdout);
  assert.ok(Number(ran[1]) >= 5, `only ${ran[1]} samples ran`);
});
