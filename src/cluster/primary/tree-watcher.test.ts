import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ignoredName, TreeWatcher } from './tree-watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('names ignored: node_modules, .git and other dotfiles, editor backups', () => {
  for (const name of ['node_modules', '.git', '.app.mjs.swp', 'app.mjs~']) assert.ok(ignoredName(name), name);
  for (const name of ['app.mjs', 'src', 'node_modules2']) assert.ok(!ignoredName(name), name);
});

test('one watch per directory, new directories watched, ignored trees and paths not reported', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'volley-watch-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  mkdirSync(join(root, 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(root, '.git'));
  const seen: string[] = [];
  const watcher = new TreeWatcher(
    (path) => seen.push(path),
    (path) => path === join(root, 'app.log'),
  );
  t.after(() => watcher.close());
  watcher.add(root);
  assert.equal(watcher.size, 3, 'root, src, src/deep');

  const waitFor = async (path: string) => {
    for (let i = 0; i < 100 && !seen.includes(path); i++) await sleep(10);
    assert.ok(seen.includes(path), `${path} reported; saw ${seen}`);
  };
  writeFileSync(join(root, 'node_modules', 'dep', 'index.js'), 'x');
  writeFileSync(join(root, '.git', 'HEAD'), 'x');
  writeFileSync(join(root, 'app.log'), 'x');
  writeFileSync(join(root, 'src', 'deep', 'a.js'), 'x');
  await waitFor(join(root, 'src', 'deep', 'a.js'));
  mkdirSync(join(root, 'src', 'new'));
  await waitFor(join(root, 'src', 'new'));
  assert.equal(watcher.size, 4);
  writeFileSync(join(root, 'src', 'new', 'b.js'), 'x');
  await waitFor(join(root, 'src', 'new', 'b.js'));
  assert.deepEqual(
    seen.filter((p) => p.includes('node_modules') || p.includes('.git') || p.endsWith('app.log')),
    [],
  );
});
