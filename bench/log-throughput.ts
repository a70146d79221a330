/**
 * Does the merged log keep up? `volley serve` with two workers of bench/servers/log-flood.mjs,
 * --log-format json into a --log-file, each worker writing LINES lines at a paced rate (the
 * issue's 50k lines/s in total: 25k each) and then unpaced (as fast as the workers can write).
 * It reports the rate the primary wrote records at, the records lost (dropped, counted by the
 * primary), the primary's CPU use, and checks that every stack trace arrived as one record.
 * Rounds interleave the two modes; medians are reported.
 *
 *   npm run build && node dist/bench/log-throughput.js [--lines N] [--rounds R]
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { installCleanup, start, stop } from './lib/procs.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({ options: { lines: { type: 'string' }, rounds: { type: 'string' } } });
const LINES = Number(values.lines ?? 200_000);
const ROUNDS = Number(values.rounds ?? 3);
const TICKS = 100; // /proc/PID/stat clock ticks per second (USER_HZ)

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

interface Run {
  mode: string;
  offeredPerS: number;
  writtenPerS: number;
  records: number;
  expected: number;
  dropped: number;
  stacksWhole: boolean;
  primaryCpuPct: number;
}

async function once(rate: number): Promise<Run> {
  const file = join(tmpdir(), `volley-log-bench-${process.pid}.log`);
  rmSync(file, { force: true });
  const perWorker = LINES / 2;
  const server = start(
    process.execPath,
    [
      'bin/volley.js',
      'serve',
      'bench/servers/log-flood.mjs',
      '--workers',
      '2',
      '--listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
      '--log-file',
      file,
      '--log-max-size',
      '4G',
    ],
    { LOG_FLOOD_LINES: String(perWorker), LOG_FLOOD_RATE: String(rate / 2), LOG_FLOOD_DELAY_MS: '500' },
  );
  try {
    const deadline = Date.now() + 120_000;
    let cpuStart: number | undefined;
    let firstAt = Date.now();
    // Reads only what was appended since the last look: the harness must not compete for the CPU.
    let fd: number | undefined;
    let tail = '';
    let done = 0;
    let grewAt = 0;
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      if (Date.now() > deadline) throw new Error('the flood did not finish within 120 s');
      await sleep(20);
      if (fd === undefined) {
        if (!existsSync(file)) continue;
        fd = openSync(file, 'r');
      }
      for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
        if (cpuStart !== undefined) grewAt = Date.now();
        const text = tail + buf.toString('latin1', 0, n);
        if (cpuStart === undefined && text.includes('all 2 worker(s) ready')) {
          cpuStart = cpuSeconds(server.pid);
          firstAt = Date.now();
        }
        done += (text.match(/flood-done/g) ?? []).length;
        tail = text.slice(-40).replace(/.*flood-done/s, '');
      }
      // Past the output's buffer bound the primary drops records, maybe a flood-done among them:
      // then the end is when the file stops growing.
      if (done >= 2 || (grewAt > 0 && Date.now() - grewAt > 3000)) break;
    }
    closeSync(fd);
    const text = readFileSync(file, 'utf8');
    const records = text.split('\n').filter((l) => l.includes('"stream":"stdout"') || l.includes('"stream":"stderr"'));
    const parsed = records.map((l) => JSON.parse(l) as { time: string; msg: string });
    const stacks = parsed.filter((r) => r.msg.startsWith('Error: flood'));
    const stacksWhole = stacks.every((r) => r.msg.split('\n').length === 11);
    // Offered: what the workers wrote per second of their own clock; written: records per second
    // of the primary's clock (the time stamps of the first and the last record).
    const doneMs = parsed.filter((r) => r.msg.startsWith('flood-done')).map((r) => Number(r.msg.split(' ')[2]));
    if (doneMs.length === 0) doneMs.push(Number.NaN);
    const spanMs = Date.parse(parsed.at(-1)!.time) - Date.parse(parsed[0]!.time);
    const cpu = cpuSeconds(server.pid) - (cpuStart ?? 0);
    const dropped = [...text.matchAll(/dropped (\d+) line/g)].reduce((n, m) => n + Number(m[1]), 0);
    const expected = 2 * (perWorker + 1);
    return {
      mode: rate === 0 ? 'unpaced' : `paced ${rate}/s`,
      offeredPerS: Math.round(LINES / (Math.max(...doneMs) / 1000)),
      writtenPerS: Math.round(records.length / (spanMs / 1000)),
      records: records.length,
      expected,
      dropped,
      stacksWhole,
      primaryCpuPct: Math.round((100 * cpu) / ((Date.now() - firstAt) / 1000)),
    };
  } finally {
    await stop(server.pid);
    rmSync(file, { force: true });
  }
}

installCleanup();
const runs: Run[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const rate of [50_000, 0]) {
    const run = await once(rate);
    console.error(JSON.stringify(run));
    runs.push(run);
  }
}
console.log(
  '| mode | lines | offered lines/s (median) | records/s written (median) | records written / expected | dropped (max) | primary CPU (median) | stacks whole |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const mode of new Set(runs.map((r) => r.mode))) {
  const of = runs.filter((r) => r.mode === mode);
  const written = of.map((r) => r.records);
  console.log(
    `| ${mode} | ${LINES} | ${median(of.map((r) => r.offeredPerS))} | ${median(of.map((r) => r.writtenPerS))} | ${Math.min(...written)}–${Math.max(...written)} / ${of[0]!.expected} | ${Math.max(...of.map((r) => r.dropped))} | ${median(of.map((r) => r.primaryCpuPct))}% | ${of.every((r) => r.stacksWhole)} |`,
  );
}
