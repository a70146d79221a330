/**
 * Section 2: router lookups, Volley's compiled matcher against find-my-way on the GitHub
 * table. Runs the router engineer's src/routing/router.bench.ts (table-wide sets) and
 * bench/router-lookups.ts (single named lookups), each in its own pinned process.
 */

import { existsSync } from 'node:fs';
import { dataFile } from '../src/data-file.js';
import { type Config, log, nodeCommand } from './lib/config.js';
import { start } from './lib/procs.js';
import { markdownTable, ratio } from './lib/stats.js';

const ROUTES_FILE = process.env.ROUTES_FILE ?? dataFile('github-api-routes.txt');

export interface RouterRow {
  name: string;
  volley: number;
  findMyWay: number;
}
export interface RouterResults {
  commands: string[];
  header: string;
  rows: RouterRow[];
}

async function run(args: string[], cpu: string | undefined): Promise<string> {
  const [cmd, argv] = nodeCommand(args, cpu);
  const p = start(cmd, argv, { ROUTES_FILE });
  await p.exited;
  if (p.child.exitCode !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${p.output()}`);
  return p.output();
}

export async function runRouter(cfg: Config): Promise<RouterResults> {
  const rounds = String(cfg.routerRounds);
  const ms = String(cfg.routerSampleMs);
  const rows: RouterRow[] = [];
  const commands: string[] = [];
  let header = '';

  const engineer = 'dist/src/routing/router.bench.js';
  if (existsSync(engineer)) {
    log('\n[router] src/routing/router.bench.ts (table-wide lookup sets)');
    commands.push(`node ${engineer} ${rounds} ${ms}`);
    const text = await run([engineer, rounds, ms], cfg.serverCpu);
    log(text.trim());
    header = text.split('\n')[0] ?? '';
    const re = /^(\S+)\s+\(\s*(\d+) lookups\)\s+volley\s+([\d.]+)M\/s\s+find-my-way\s+([\d.]+)M\/s/gm;
    for (const m of text.matchAll(re)) {
      rows.push({
        name: `${m[1]} (${m[2]} lookups, table-wide set)`,
        volley: Number(m[3]) * 1e6,
        findMyWay: Number(m[4]) * 1e6,
      });
    }
  } else {
    log(`[router] ${engineer} not built; skipping the table-wide sets`);
  }

  log('\n[router] bench/router-lookups.ts (single named lookups)');
  commands.push(`node dist/bench/router-lookups.js ${rounds} ${ms}`);
  const text = await run(['dist/bench/router-lookups.js', rounds, ms], cfg.serverCpu);
  const json = JSON.parse(text.trim().split('\n').pop()!) as { lookups: RouterRow[] };
  for (const l of json.lookups) {
    rows.push({ name: l.name, volley: l.volley, findMyWay: l.findMyWay });
    log(`  ${l.name}: volley ${(l.volley / 1e6).toFixed(2)}M/s, find-my-way ${(l.findMyWay / 1e6).toFixed(2)}M/s`);
  }
  return { commands, header, rows };
}

export function routerMarkdown(res: RouterResults): string {
  const m = (n: number) => `${(n / 1e6).toFixed(2)} M`;
  return markdownTable(
    ['lookup', 'Volley lookups/s', 'find-my-way lookups/s', 'Volley ÷ find-my-way'],
    res.rows.map((r) => [r.name, m(r.volley), m(r.findMyWay), ratio(r.volley / r.findMyWay)]),
  );
}
