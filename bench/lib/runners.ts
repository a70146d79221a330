/**
 * Multi-process servers the benchmark sections start side by side: `volley serve`, PM2's cluster
 * mode (its own PM2_HOME in a temp directory, stopped by `pm2 kill` and then by pid) and
 * node:cluster as its users write it, each on an app module, each with its primary's pid and,
 * where it has one, its rolling reload.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retry } from './config.js';
import { cpuWindowEnd, cpuWindowStart } from './cpu.js';
import { adopt, type Started, start, stop } from './procs.js';
import { sum } from './stats.js';
import type { WrkResult } from './wrk.js';

/** An app as the runners need it: a module exporting it, and one that listens itself on $PORT. */
export interface AppModules {
  name: string;
  /** Exports the app. */
  exported: string;
  /** Listens itself on $PORT (what PM2 and node:cluster run). */
  listening: string;
}

export const WORKERS = 2;
const PM2 = 'node_modules/pm2/bin/pm2';

/** A running multi-process server: its primary (or daemon) and how to reload and stop it. */
export interface Live {
  runner: Runner;
  port: number;
  primary: number;
  /** Rolling reload; resolves once every worker is new. */
  reload?: () => Promise<void>;
  stop(): Promise<void>;
}

export interface Runner {
  key: string;
  name: string;
  start(app: AppModules, port: number): Promise<Live>;
}

/** The primary's children: its workers (for PM2 the daemon's children are the app's workers). */
export function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

export function volleyRunner(
  key: string,
  name: string,
  module: (app: AppModules) => string,
  extraArgs: string[] = [],
): Runner {
  return {
    key,
    name,
    async start(app, port) {
      const proc = start(process.execPath, [
        'bin/volley.js',
        'serve',
        module(app),
        '--workers',
        String(WORKERS),
        '--listen',
        `127.0.0.1:${port}`,
        '--shutdown-timeout',
        '2000',
        ...extraArgs,
      ]);
      await proc.waitFor(/all \d+ worker\(s\) ready/, 20_000);
      let generation = 1;
      return {
        runner: this,
        port,
        primary: proc.pid,
        async reload() {
          generation++;
          const done = new RegExp(`rolling reload to generation ${generation} done`);
          process.kill(proc.pid, 'SIGHUP');
          await proc.waitFor(done, 30_000);
        },
        stop: () => stop(proc.pid, 5000),
      };
    },
  };
}

export const pm2Runner: Runner = {
  key: 'pm2',
  name: `pm2 start -i ${WORKERS}`,
  async start(app, port) {
    const home = mkdtempSync(join(tmpdir(), 'volley-bench-pm2-'));
    const env = { PM2_HOME: home, PORT: String(port) };
    const pm2 = async (args: string[]): Promise<Started> => {
      const p = start(process.execPath, [PM2, ...args], env);
      await p.exited;
      if (p.child.exitCode !== 0) throw new Error(`pm2 ${args.join(' ')} failed (${p.child.exitCode}):\n${p.output()}`);
      return p;
    };
    let daemon = 0;
    const stopAll = async () => {
      try {
        await pm2(['kill']);
      } finally {
        // Whatever `pm2 kill` left behind goes by pid.
        if (daemon) {
          const left = (() => {
            try {
              return children(daemon);
            } catch {
              return [];
            }
          })();
          await stop(daemon, 3000);
          await Promise.all(left.map((pid) => stop(pid, 1000)));
        }
        rmSync(home, { recursive: true, force: true });
      }
    };
    try {
      await pm2(['start', app.listening, '-i', String(WORKERS), '--name', `bench-${app.name.toLowerCase()}`]);
      daemon = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
      adopt(daemon);
      await retry(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        if ((await res.text()) !== 'Hello World') throw new Error('not yet');
      }, 20_000);
      for (const pid of children(daemon)) adopt(pid);
    } catch (err) {
      await stopAll();
      throw err;
    }
    return {
      runner: this,
      port,
      primary: daemon,
      async reload() {
        await pm2(['reload', `bench-${app.name.toLowerCase()}`]);
        for (const pid of children(daemon)) adopt(pid);
      },
      stop: stopAll,
    };
  },
};

export const clusterRunner: Runner = {
  key: 'cluster',
  name: `node:cluster ${WORKERS} workers`,
  async start(app, port) {
    const proc = start(process.execPath, ['bench/servers/apps/cluster-launch.cjs', app.listening, String(WORKERS)], {
      PORT: String(port),
    });
    await proc.waitFor(/listening \d+/, 20_000);
    for (const pid of children(proc.pid)) adopt(pid);
    return { runner: this, port, primary: proc.pid, stop: () => stop(proc.pid, 5000) };
  },
};

/** One load on a running server: wrk's result and the CPU its primary and its workers used meanwhile. */
export interface MeasuredRun<R extends WrkResult = WrkResult> {
  wrk: R;
  primaryTicks: number;
  workerTicks: number;
  /** Share of the machine's CPU used meanwhile by unrelated processes (noise). */
  otherShare: number;
}

/** Runs `load` against `s`, counting the CPU of its primary and of the workers it has now (adopted for cleanup). */
export async function measureLoad<R extends WrkResult>(
  s: Live,
  cpus: number,
  load: () => Promise<R>,
): Promise<MeasuredRun<R>> {
  const pids = [s.primary, ...children(s.primary)];
  for (const pid of pids) adopt(pid);
  const window = cpuWindowStart(pids);
  const res = await load();
  const usage = cpuWindowEnd(window, cpus);
  return {
    wrk: res,
    primaryTicks: usage.perPid.get(s.primary)!,
    workerTicks: sum(pids.slice(1).map((p) => usage.perPid.get(p)!)),
    otherShare: usage.otherShare,
  };
}
