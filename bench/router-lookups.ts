/**
 * Single named lookups on the GitHub API table (203 routes): Volley's compiled matcher
 * against find-my-way, interleaved rounds, medians. The table-wide sets (every static
 * route, every one-param route, all routes) are measured by src/routing/router.bench.ts,
 * which `npm run bench` runs as well; this script adds the hot single lookups named in the
 * benchmark brief. Prints one JSON line.
 *
 *   node dist/bench/router-lookups.js [rounds] [ms-per-sample]
 */

import { readFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import FindMyWay from 'find-my-way';
import { dataFile } from '../src/data-file.js';
import { Request, Router } from '../src/index.js';
import { entry } from './lib/stats.js';

const rounds = Number(process.argv[2] ?? 15);
const sampleMs = Number(process.argv[3] ?? 200);

const tablePath = process.env.ROUTES_FILE ?? dataFile('github-api-routes.txt');
const table = readFileSync(tablePath, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean)
  .map((l) => l.split(/\s+/) as [string, string]);

const noop = () => undefined;
const byPath = new Map<string, Router>();
const root = new Router();
for (const [method, path] of table) {
  let r = byPath.get(path);
  if (!r) {
    r = new Router(path);
    byPath.set(path, r);
    root.push(r);
  }
  r[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch'](noop);
}
const volley = root.compile();
const fmw = FindMyWay();
for (const [method, path] of table) fmw.on(method as 'GET', path.replace(/\{(\w+)\}/g, ':$1'), noop);

const LOOKUPS = [
  { name: 'static GET /user/repos', method: 'GET', path: '/user/repos' },
  { name: 'one param GET /users/{user}', method: 'GET', path: '/users/julienschmidt' },
  {
    name: 'two params GET /repos/{owner}/{repo}/issues',
    method: 'GET',
    path: '/repos/julienschmidt/httprouter/issues',
  },
  {
    name: 'four params GET /legacy/issues/search/{owner}/{repository}/{state}/{keyword}',
    method: 'GET',
    path: '/legacy/issues/search/julienschmidt/httprouter/open/router',
  },
];

/** A real Request, as the Service makes one, over a Node request that never saw a socket. */
function reqOf(method: string, path: string): Request {
  const raw = new IncomingMessage(new Socket());
  raw.method = method;
  raw.url = path;
  raw.headers = { host: 'api.github.com' };
  return new Request(raw);
}

for (const l of LOOKUPS) {
  const a = volley(reqOf(l.method, l.path));
  const b = fmw.find(l.method as 'GET', l.path);
  if (typeof a === 'number' || !b) throw new Error(`${l.name}: not found (volley ${a}, find-my-way ${!!b})`);
  if (JSON.stringify(a.params) !== JSON.stringify({ ...b.params }))
    throw new Error(`${l.name}: params differ: ${JSON.stringify(a.params)} vs ${JSON.stringify(b.params)}`);
}

let sink = 0;
// Both return the params of the match, so the work compared is the same (as in router.bench.ts);
// Volley gets a prepared request object (the server has one anyway), find-my-way the strings.
type Lookup = (typeof LOOKUPS)[number] & { req: Request };
const prepared: Lookup[] = LOOKUPS.map((l) => ({ ...l, req: reqOf(l.method, l.path) }));
const runners: Record<string, (l: Lookup) => void> = {
  volley(l) {
    const m = volley(l.req);
    if (typeof m !== 'number') sink += m.route.length;
  },
  'find-my-way'(l) {
    const m = fmw.find(l.method as 'GET', l.path);
    if (m) sink += 1;
  },
};

function sample(run: (l: Lookup) => void, l: Lookup): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(sampleMs * 1e6);
  let now = start;
  while (now < until) {
    for (let k = 0; k < 1000; k++) run(l);
    n += 1000;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

for (const l of prepared) for (const run of Object.values(runners)) sample(run, l);
const results: Record<string, Record<string, number[]>> = {};
for (let round = 0; round < rounds; round++) {
  for (const l of prepared) {
    const order = round % 2 === 0 ? Object.entries(runners) : Object.entries(runners).reverse();
    for (const [name, run] of order)
      entry(
        entry(results, l.name, () => ({})),
        name,
        (): number[] => [],
      ).push(sample(run, l));
  }
}
const report = LOOKUPS.map((l) => ({
  name: l.name,
  path: l.path,
  volley: median(results[l.name]!.volley!),
  findMyWay: median(results[l.name]!['find-my-way']!),
}));
console.log(JSON.stringify({ routes: table.length, rounds, sampleMs, lookups: report, sink: sink === 42 ? 1 : 0 }));
