import { native } from '../../native/index.js';
import { affinityCpus } from './cpus.js';

/**
 * Pins a worker to the CPU whose number among the usable ones is its socket's index in the
 * group, so with CPU steering a connection is accepted on the CPU that received it.
 */
export function pinToCpu(pid: number, socketIndex: number): number {
  const cpus = affinityCpus();
  const cpu = cpus[socketIndex % cpus.length]!;
  native().setCpuAffinity(pid, cpu);
  return cpu;
}
