/**
 * The layering docs/architecture.md describes, checked on the sources: no import cycle between
 * the folders of src/ (each file directly in src/ counts as its own node), and the primary's and
 * the worker's code of cluster/ never import each other. Tests, benches and test helpers are
 * left out: they may use anything.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs as dist/src/architecture.test.js; the sources are in src/ at the root.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const NOT_PRODUCT = /(\.test|\.bench)\.ts$|test-helpers\.ts$|supervisor-fakes\.ts$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !NOT_PRODUCT.test(e.name) ? [full] : [];
  });
}

/** Relative imports of a file (static, re-exports and dynamic), resolved to .ts paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
}

/** src/cluster/primary/x.ts -> 'cluster'; src/version.ts -> 'version.ts'. */
const nodeOf = (file: string) => relative(SRC, file).split('/')[0]!;

function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const files = sources(SRC);

test('the folders of src/ import each other without a cycle', () => {
  const edges = new Map<string, Set<string>>();
  const why = new Map<string, string>();
  for (const file of files) {
    const from = nodeOf(file);
    for (const target of importsOf(file)) {
      const to = nodeOf(target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      why.set(`${from}>${to}`, relative(SRC, file));
    }
  }
  assert.ok(edges.size > 5, 'the import graph was read');
  const cycle = findCycle(edges);
  const explained = cycle?.slice(1).map((to, i) => `${cycle[i]} -> ${to} (${why.get(`${cycle[i]}>${to}`)})`);
  assert.equal(cycle, undefined, `folder cycle: ${explained?.join(', ')}`);
});

test("cluster/primary and cluster/worker do not import each other's code", () => {
  const crossings: string[] = [];
  for (const file of files) {
    const side = relative(SRC, file).match(/^cluster\/(primary|worker)\//)?.[1];
    if (!side) continue;
    const other = side === 'primary' ? 'worker' : 'primary';
    for (const target of importsOf(file)) {
      if (relative(SRC, target).startsWith(`cluster/${other}/`))
        crossings.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(crossings, []);
});
