import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

/** A project directory inside the repository, so that its modules resolve 'volley' (the package itself). */
function project(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  mkdirSync(join(repoRoot, '.volley-tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.volley-tmp', 'config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const APP = `import { Router } from 'volley';
export default new Router().push(new Router('whoami').get(() => ({ worker: Number(process.env.VOLLEY_WORKER_ID), pid: process.pid })));
`;

async function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  const volley = new VolleyProcess(args, env, { cwd });
  const { code } = await volley.exited;
  await volley.dispose();
  return { code, output: volley.output };
}

test('volley serve with no arguments serves what volley.config.ts says; flag > variable > file', async (t) => {
  const port = await freePort();
  const dir = project(t, {
    'app.mjs': APP,
    'volley.config.ts': `import { defineConfig } from 'volley';
export default defineConfig({ app: './app.mjs', listen: '127.0.0.1:${port}', workers: 1, shutdownTimeout: 2000 });
`,
  });
  // Precedence on one key, as --print-config shows it (no worker starts).
  const envOnly = await run(['serve', '--print-config'], { VOLLEY_WORKERS: '3' }, dir);
  assert.equal(envOnly.code, 0, envOnly.output);
  assert.match(envOnly.output, /^workers\s+3\s+VOLLEY_WORKERS$/m);
  assert.match(
    envOnly.output,
    new RegExp(`^app\\s+${dir.replaceAll('/', '\\/')}\\/app\\.mjs\\s+app in .*volley\\.config\\.ts$`, 'm'),
  );
  const flag = await run(['serve', '--print-config', '--workers', '4'], { VOLLEY_WORKERS: '3' }, dir);
  assert.match(flag.output, /^workers\s+4\s+--workers$/m);

  // The config file alone (plus the variable) starts the server: the variable's 2 workers win over the file's 1.
  const volley = new VolleyProcess(['serve'], { VOLLEY_WORKERS: '2' }, { cwd: dir });
  t.after(() => volley.dispose());
  await volley.ready();
  assert.match(volley.output, new RegExp(`serving ${dir}/app\\.mjs with 2 worker\\(s\\) on 127\\.0\\.0\\.1:${port}`));
  const res = await freshFetch(`http://127.0.0.1:${port}/whoami`);
  assert.equal(res.status, 200);
});

test('a config file with an unknown key, or a bad value, is refused naming the key and the file', async (t) => {
  const dir = project(t, { 'app.mjs': APP, 'volley.config.json': JSON.stringify({ app: './app.mjs', wrokers: 2 }) });
  const unknown = await run(['serve'], {}, dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.output, /unknown key 'wrokers' in config file .*volley\.config\.json/);
  writeFileSync(join(dir, 'volley.config.json'), JSON.stringify({ app: './app.mjs', workers: 0 }));
  const bad = await run(['serve'], {}, dir);
  assert.equal(bad.code, 2);
  assert.match(
    bad.output,
    /--workers must be an integer from 1 to 1024 .*\(set by workers in .*volley\.config\.json\)/,
  );
});
