// Shared by the benchmark servers (plain ESM, not compiled; run from the repository root).
// Every server script is started as `node bench/servers/<name>.mjs <scenario> <port>` and
// prints `listening <port>` once it accepts connections.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SCENARIOS = ['hello', 'json', 'github'];

/** `[scenario, port]` from the command line, checked. */
export function args() {
  const scenario = process.argv[2];
  const port = Number(process.argv[3]);
  if (!SCENARIOS.includes(scenario) || !Number.isInteger(port) || port <= 0) {
    console.error(`usage: node ${process.argv[1]} <${SCENARIOS.join('|')}> <port>`);
    process.exit(2);
  }
  return [scenario, port];
}

const defaultTable = fileURLToPath(new URL('../../data/github-api-routes.txt', import.meta.url));

/** The GitHub API table: `{ method, path, names }` with Salvo/Volley `{param}` syntax. */
export function githubRoutes() {
  return readFileSync(process.env.ROUTES_FILE ?? defaultTable, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [method, path] = line.split(/\s+/);
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      return { method, path, names };
    });
}

/** `/repos/{owner}/{repo}` → `/repos/:owner/:repo` (find-my-way, Fastify, Hono, Express). */
export const colonPath = (path) => path.replace(/\{(\w+)\}/g, ':$1');

/** What every framework answers on a table route: its param values joined by `/`, or `ok`. */
export const paramsText = (names, get) => (names.length === 0 ? 'ok' : names.map(get).join('/'));

export function listening(port) {
  console.log(`listening ${port}`);
}

// The harness stops us with SIGTERM; exit at once (no graceful drain needed in a benchmark).
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
