/**
 * Section `instructions`: CPU instructions per request of each single-process server,
 * counted by valgrind's callgrind. Unlike requests/s, the count does not depend on what
 * else the machine (or its host) is doing: the same server, inputs and request count give
 * the same number within a fraction of a percent, so a 1% difference is visible where
 * throughput rounds on a shared machine swing by 10% and more. It counts user-space
 * instructions only (JavaScript, V8, Node's C++, libc), not the kernel's share (socket
 * reads and writes, the same for every server) nor cache misses, so a ratio of counts is
 * an upper bound on the ratio of throughputs.
 *
 * Each server runs under `valgrind --tool=callgrind --instr-atstart=no`; a fixed number of
 * keep-alive requests warms it up (the JIT has optimised the hot path by then), then
 * instrumentation is switched on with callgrind_control for a counted batch and off again,
 * and the dump gives the total.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, freePort, log } from './lib/config.js';
import { KeepAliveDriver } from './lib/keepalive-driver.js';
import { start, stop } from './lib/procs.js';
import { fixed, int, markdownTable, ratio } from './lib/stats.js';
import { FRAMEWORKS, SCENARIOS } from './single.js';

/** Express runs some 5× the instructions and as long under valgrind; it tells nothing new here. */
const COUNTED = FRAMEWORKS.filter((f) => f.name !== 'Express');
const SCENARIO_KEYS = ['hello', 'github'] as const;

export interface InstructionRun {
  framework: string;
  scenario: string;
  /** Instructions per request in each counted window of `requests` requests. */
  perWindow: number[];
  requests: number;
}

/** The steady state: the lowest window. */
export const steady = (r: InstructionRun) => Math.min(...r.perWindow);

export interface InstructionResults {
  command: string;
  warmup: number;
  windows: number;
  requests: number;
  connections: number;
  runs: InstructionRun[];
}

export function checkValgrind(): void {
  for (const tool of ['valgrind', 'callgrind_control']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is required for the instructions section (apt-get install valgrind)`);
    }
  }
}

/**
 * The instruction total of a callgrind dump: its `totals:` line (what callgrind_annotate
 * reports as PROGRAM TOTALS). A dump requested with callgrind_control has `summary: 0`.
 */
export function dumpTotal(text: string): number {
  const m = /^totals: (\d+)/m.exec(text);
  if (m === null) throw new Error('callgrind dump without a totals line');
  return Number(m[1]);
}

/** Waits for callgrind (inside the server process, between requests) to write a complete dump. */
async function dumpFile(path: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    try {
      const text = readFileSync(path, 'utf8');
      if (/^totals:/m.test(text)) return text;
    } catch {
      // not there yet
    }
    await sleep(100);
  }
  throw new Error(`callgrind wrote no dump to ${path}`);
}

async function count(
  framework: (typeof COUNTED)[number],
  scenario: (typeof SCENARIOS)[number],
  warmup: number,
  windows: number,
  requests: number,
  connections: number,
): Promise<InstructionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'volley-cg-'));
  const port = await freePort();
  const server = start('valgrind', [
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${join(dir, 'cg.out')}`,
    process.execPath,
    framework.script,
    scenario.key,
    String(port),
  ]);
  let driver: KeepAliveDriver | undefined;
  try {
    // Starting Node under valgrind takes a while (it translates V8 and the JIT's output).
    await server.waitFor(new RegExp(`listening ${port}`), 180_000);
    driver = await KeepAliveDriver.open(port, scenario.path, connections, scenario.check);
    await driver.send(warmup);
    const pid = String(server.pid);
    execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
    // Several counted windows, each ended by a dump (which zeroes the counters): the JIT may
    // still compile something late (V8 tiers up on counters and compiles on a background
    // thread), and that lands in one window; the lowest window is the steady state.
    const perWindow: number[] = [];
    for (let w = 1; w <= windows; w++) {
      await driver.send(requests);
      execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
      perWindow.push(dumpTotal(await dumpFile(join(dir, `cg.out.${w}`))) / requests);
    }
    execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
    return { framework: framework.name, scenario: scenario.key, perWindow, requests };
  } finally {
    driver?.close();
    await stop(server.pid);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runInstructions(cfg: Config): Promise<InstructionResults> {
  checkValgrind();
  const warmup = cfg.quick ? 15_000 : 40_000;
  const windows = 3;
  const requests = cfg.quick ? 3_000 : 10_000;
  const connections = 64;
  const runs: InstructionRun[] = [];
  for (const key of SCENARIO_KEYS) {
    const scenario = SCENARIOS.find((s) => s.key === key)!;
    log(`\n[instructions] ${scenario.title}`);
    for (const framework of COUNTED) {
      const run = await count(framework, scenario, warmup, windows, requests, connections);
      log(`  ${framework.name}: ${run.perWindow.map(int).join(', ')} instructions/request`);
      runs.push(run);
    }
  }
  return {
    command: 'valgrind --tool=callgrind --instr-atstart=no node bench/servers/<name>.mjs <scenario> <port>',
    warmup,
    windows,
    requests,
    connections,
    runs,
  };
}

export function instructionsMarkdown(res: InstructionResults): string {
  const parts: string[] = [];
  for (const key of SCENARIO_KEYS) {
    const runs = res.runs.filter((r) => r.scenario === key);
    if (runs.length === 0) continue;
    const perRequest = steady;
    const base = runs.find((r) => r.framework === 'node:http');
    const volley = runs.find((r) => r.framework === 'Volley');
    const title = SCENARIOS.find((s) => s.key === key)!.title;
    parts.push(
      `#### ${title}`,
      '',
      markdownTable(
        [
          'framework',
          'instructions/request',
          'windows',
          '× node:http (instructions)',
          'node:http ÷ framework',
          'Volley ÷ framework',
        ],
        runs.map((r) => [
          r.framework,
          int(perRequest(r)),
          r.perWindow.map(int).join(', '),
          base ? fixed(perRequest(r) / perRequest(base), 3) : '—',
          base ? ratio(perRequest(base) / perRequest(r)) : '—',
          volley ? ratio(perRequest(r) / perRequest(volley)) : '—',
        ]),
      ),
      '',
    );
  }
  parts.push(
    '“node:http ÷ framework” and “Volley ÷ framework” are the speed ratios these counts imply for the user-space ' +
      'part of the work (higher is faster for the first, and means Volley runs fewer instructions for the second).',
  );
  return parts.join('\n');
}
