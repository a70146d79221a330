import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { affinityCpus, cgroupCpuLimit, usableCpuCount } from './cpus.js';

function fakeCgroup(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'volley-cgroup-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('cgroup v2 cpu.max: a quota rounds up, "max" means none', (t) => {
  const a = fakeCgroup({ 'cpu.max': '250000 100000\n' });
  const b = fakeCgroup({ 'cpu.max': 'max 100000\n' });
  const c = fakeCgroup({ 'cpu.max': '50000 100000\n' });
  t.after(() => {
    for (const d of [a, b, c]) rmSync(d, { recursive: true });
  });
  assert.equal(cgroupCpuLimit(a), 3);
  assert.equal(cgroupCpuLimit(b), undefined);
  assert.equal(cgroupCpuLimit(c), 1);
});

test('cgroup v1 cfs quota and period', (t) => {
  const a = fakeCgroup({ 'cpu/cpu.cfs_quota_us': '200000', 'cpu/cpu.cfs_period_us': '100000' });
  const b = fakeCgroup({ 'cpu,cpuacct/cpu.cfs_quota_us': '-1', 'cpu,cpuacct/cpu.cfs_period_us': '100000' });
  t.after(() => {
    for (const d of [a, b]) rmSync(d, { recursive: true });
  });
  assert.equal(cgroupCpuLimit(a), 2);
  assert.equal(cgroupCpuLimit(b), undefined);
});

test('--workers auto is at least 1 and at most the CPUs in the affinity mask', () => {
  const n = usableCpuCount();
  assert.ok(n >= 1);
  assert.ok(n <= affinityCpus().length);
});
