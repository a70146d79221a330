/**
 * The way a new user meets Volley: the packed tarball installed into a fresh `npm init -y`
 * project (CommonJS), an `app.ts` that imports `volley`, `npx volley serve app.ts`, a request;
 * then the same project as `"type": "module"`, and a CommonJS `app.cjs` that requires `volley`.
 * (`npx volley` runs node_modules/.bin/volley; the test runs that file itself, so that it
 * knows the pid to stop.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });

async function serves(project: string, app: string, expected: string): Promise<void> {
  const port = await freePort();
  const volley = new VolleyProcess(
    ['serve', app, '--workers', '1', '--listen', `127.0.0.1:${port}`],
    {},
    {
      bin: join(project, 'node_modules', '.bin', 'volley'),
      cwd: project,
    },
  );
  try {
    await volley.ready(60_000);
    const response = await freshFetch(`http://127.0.0.1:${port}/`);
    assert.equal(await response.text(), expected, volley.output);
  } finally {
    await volley.dispose();
  }
}

test('npm init -y, npm install the tarball, npx volley serve app.ts / app.cjs, in CommonJS and ES module projects', {
  timeout: 240_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-newcomer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // dist/ is built already (npm test builds first): pack it as it is.
  npm(['pack', '--ignore-scripts', '--pack-destination', dir], repoRoot);
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  const project = join(dir, 'project');
  execFileSync('mkdir', [project]);
  npm(['init', '-y'], project);
  npm(['install', tarball], project);

  writeFileSync(
    join(project, 'app.ts'),
    "import { Router } from 'volley';\nexport default new Router().get((): string => 'hello from app.ts');\n",
  );
  await serves(project, 'app.ts', 'hello from app.ts');

  writeFileSync(
    join(project, 'app.cjs'),
    "const { Router } = require('volley');\nmodule.exports = new Router().get(() => 'hello from app.cjs');\n",
  );
  await serves(project, 'app.cjs', 'hello from app.cjs');

  npm(['pkg', 'set', 'type=module'], project);
  await serves(project, 'app.ts', 'hello from app.ts');
});
