/** Process CPU time from /proc/<pid>/stat (utime + stime, in clock ticks). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clkTck: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, almost always 100). */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of `pid` in ticks (its own threads, not its children), or NaN if it is gone. */
export function cpuTicks(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // Fields after "(comm)" start at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function cpuTicksOf(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
}

/**
 * Ticks the whole machine (all CPUs) spent running processes, from the first line of
 * /proc/stat: user, nice, system and steal. Interrupt and softirq time are left out: loopback
 * TCP is processed there on behalf of our own servers and wrk but charged to no process.
 */
function machineBusyTicks(): number {
  try {
    const [, user, nice, system, , , , , steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .map(Number);
    return user! + nice! + system! + (steal ?? 0);
  } catch {
    return Number.NaN;
  }
}

/** utime+stime of this process, and cutime+cstime (its reaped children: wrk). */
function selfTicks(): [number, number] {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) + Number(f[12]), Number(f[13]) + Number(f[14])];
}

export interface CpuWindow {
  pids: readonly number[];
  ticks: Map<number, number>;
  busy: number;
  self: [number, number];
  at: bigint;
}

export interface CpuUsage {
  /** Ticks each server pid used during the window. */
  perPid: Map<number, number>;
  /** Ticks used by processes that are neither the servers, this harness nor wrk. */
  otherTicks: number;
  /** otherTicks as a share of the machine's capacity over the window (all CPUs). */
  otherShare: number;
}

export function cpuWindowStart(pids: readonly number[]): CpuWindow {
  return { pids, ticks: cpuTicksOf(pids), busy: machineBusyTicks(), self: selfTicks(), at: process.hrtime.bigint() };
}

/** Call after the load generator was reaped, so its CPU time is in our cutime. */
export function cpuWindowEnd(w: CpuWindow, cpus: number): CpuUsage {
  const after = cpuTicksOf(w.pids);
  const busy = machineBusyTicks();
  const self = selfTicks();
  const seconds = Number(process.hrtime.bigint() - w.at) / 1e9;
  const perPid = new Map(w.pids.map((pid) => [pid, after.get(pid)! - w.ticks.get(pid)!]));
  let servers = 0;
  for (const t of perPid.values()) servers += t;
  const otherTicks = Math.max(0, busy - w.busy - servers - (self[0] - w.self[0]) - (self[1] - w.self[1]));
  return { perPid, otherTicks, otherShare: otherTicks / (seconds * ticksPerSecond() * cpus) };
}
