import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { native } from '../../native/index.js';

/** CPUs in this process's affinity mask (falls back to Node's count where the addon is missing). */
export function affinityCpus(): number[] {
  try {
    const cpus = native().usableCpus();
    if (cpus.length > 0) return cpus;
  } catch {
    // no addon: availableParallelism() honours the affinity mask too, without the ids
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The CPU limit a cgroup quota imposes, rounded up (2.5 CPUs -> 3), or undefined when
 * there is none. cgroup v2: /sys/fs/cgroup/cpu.max ("max 100000" or "200000 100000");
 * v1: cpu.cfs_quota_us / cpu.cfs_period_us.
 */
export function cgroupCpuLimit(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = readText(`${root}/cpu.max`);
  if (v2 !== undefined) {
    const [quota, period] = v2.split(/\s+/);
    if (quota === undefined || quota === 'max') return undefined;
    const q = Number(quota);
    const p = Number(period ?? 100000);
    return q > 0 && p > 0 ? Math.max(1, Math.ceil(q / p)) : undefined;
  }
  for (const dir of [`${root}/cpu`, `${root}/cpu,cpuacct`, `${root}/cpuacct,cpu`]) {
    const quota = Number(readText(`${dir}/cpu.cfs_quota_us`));
    const period = Number(readText(`${dir}/cpu.cfs_period_us`));
    if (quota > 0 && period > 0) return Math.max(1, Math.ceil(quota / period));
  }
  return undefined;
}

/** `--workers auto`: the CPUs this process may actually use (affinity and cgroup quota), at least 1. */
export function usableCpuCount(): number {
  const byAffinity = affinityCpus().length;
  const byQuota = cgroupCpuLimit();
  return Math.max(1, byQuota === undefined ? byAffinity : Math.min(byAffinity, byQuota));
}
