/**
 * Lookup speed of the compiled Volley router against find-my-way (Fastify's router) on
 * the GitHub API route table (203 routes). Not a test: a script.
 *
 *   node --import tsx src/routing/router.bench.ts [rounds] [ms-per-sample]
 *
 * Both routers get the same routes and answer the same lookups (checked first). Each
 * round times every (router, lookup set) pair for a fixed time, alternating routers so
 * drift (JIT, thermal, GC) hits both alike; time is CPU time of this process, so a busy
 * machine skews less. The medians over rounds are printed with their ratio. Lookups return params in both, so the work compared is the same.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import FindMyWay from 'find-my-way';
import { dataFile } from '../data-file.js';
import { Router } from './router.js';
import { req } from './test-helpers.js';
import type { Request } from './types.js';

const rounds = Number(process.argv[2] ?? 15);
const sampleMs = Number(process.argv[3] ?? 200);

const tableUrl = pathToFileURL(dataFile('github-api-routes.txt'));
const tablePath = process.env.ROUTES_FILE ?? fileURLToPath(tableUrl);
const table = readFileSync(tablePath, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter(Boolean)
  .map((line) => {
    const [method, path] = line.split(/\s+/) as [string, string];
    return { method, path };
  });

const noop = () => undefined;

// Volley, written the way Salvo apps are: one router per path, a method child per verb.
const byPath = new Map<string, Router>();
const root = new Router();
for (const { method, path } of table) {
  let r = byPath.get(path);
  if (!r) {
    r = new Router(path);
    byPath.set(path, r);
    root.push(r);
  }
  r[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](noop);
}
const volley = root.compile();

const fmw = FindMyWay();
for (const { method, path } of table) fmw.on(method as 'GET', path.replace(/\{(\w+)\}/g, ':$1'), noop);

interface Lookup {
  method: string;
  path: string;
  req: Request;
}
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => `${name}-42`);
const lookups = (filter: (path: string) => boolean): Lookup[] =>
  table
    .filter(({ path }) => filter(path))
    .map(({ method, path }) => {
      const p = concrete(path);
      return { method, path: p, req: req(method, p, 'api.github.com') };
    });
const params = (path: string) => (path.match(/\{/g) ?? []).length;
const sets: Record<string, Lookup[]> = {
  static: lookups((p) => params(p) === 0),
  'one-param': lookups((p) => params(p) === 1),
  'all-routes': lookups(() => true),
};

// Both must find every lookup with the same params before timing means anything.
for (const [name, set] of Object.entries(sets)) {
  for (const l of set) {
    const a = volley(l.req);
    const b = fmw.find(l.method as 'GET', l.path);
    if (typeof a === 'number' || !b)
      throw new Error(`${name}: ${l.method} ${l.path} not found (volley ${a}, fmw ${!!b})`);
    if (JSON.stringify(a.params) !== JSON.stringify({ ...b.params })) {
      throw new Error(
        `${name}: params differ for ${l.path}: ${JSON.stringify(a.params)} vs ${JSON.stringify(b.params)}`,
      );
    }
  }
}

let sink = 0;
const runners = {
  volley(set: Lookup[]): void {
    for (let i = 0; i < set.length; i++) {
      const m = volley(set[i]!.req);
      if (typeof m !== 'number') sink += m.route.length;
    }
  },
  'find-my-way'(set: Lookup[]): void {
    for (let i = 0; i < set.length; i++) {
      const l = set[i]!;
      const m = fmw.find(l.method as 'GET', l.path);
      if (m) sink += 1;
    }
  },
};

/**
 * Lookups per CPU second over about `sampleMs` of CPU time. CPU time rather than wall
 * time, so that other processes competing for the cores do not count against whichever
 * router happened to be running.
 */
function sample(run: (set: Lookup[]) => void, set: Lookup[]): number {
  let lookups = 0;
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const start = cpu();
  const until = start + sampleMs * 1000;
  let now = start;
  while (now < until) {
    for (let k = 0; k < 50; k++) run(set);
    lookups += 50 * set.length;
    now = cpu();
  }
  return lookups / ((now - start) / 1e6);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

// Warm up both (JIT) before measuring.
for (const set of Object.values(sets)) for (const run of Object.values(runners)) sample(run, set);

const results: Record<string, Record<string, number[]>> = {};
for (let round = 0; round < rounds; round++) {
  for (const [setName, set] of Object.entries(sets)) {
    const order = round % 2 === 0 ? Object.entries(runners) : Object.entries(runners).reverse();
    for (const [name, run] of order) {
      const bySet = results[setName] ?? {};
      results[setName] = bySet;
      const samples = bySet[name] ?? [];
      bySet[name] = samples;
      samples.push(sample(run, set));
    }
  }
}

const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
console.log(`GitHub API table: ${table.length} routes; ${rounds} rounds x ${sampleMs} ms; node ${process.version}`);
for (const [setName, set] of Object.entries(sets)) {
  const v = median(results[setName]!.volley!);
  const f = median(results[setName]!['find-my-way']!);
  console.log(
    `${setName.padEnd(11)} (${String(set.length).padStart(3)} lookups)  volley ${fmt(v).padStart(10)}  find-my-way ${fmt(f).padStart(10)}  ratio ${(v / f).toFixed(2)}x`,
  );
}
if (sink === 42) console.log('');
