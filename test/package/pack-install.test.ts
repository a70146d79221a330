// The npm package as a new user gets it: `npm pack`, then `npm install ./volley-0.1.0.tgz` in a
// fresh `npm init -y` project on a machine with no C toolchain (a PATH whose cc, gcc, make and
// python3 fail), and `volley serve` of a tiny .mjs app from that install:
// - with the prebuilds: the install compiles nothing and serve runs in SO_REUSEPORT mode;
// - with prebuilds/ removed from the tarball: the install still succeeds, and serve says the
//   addon is missing and how to get it, and serves in the node:cluster fallback.
// Slow (two npm installs, from npm's cache where it can), so one install per scenario. Skipped
// when prebuilds/ has not been built (`npm run prebuilds`; .ci/run does it before the tests).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

const prebuildDir = join(repoRoot, 'prebuilds', `linux-${process.arch}`);
const skip =
  process.platform !== 'linux'
    ? 'prebuilds are for Linux only'
    : !existsSync(prebuildDir)
      ? `${prebuildDir} was not built: run \`npm run prebuilds\` first`
      : false;

const APP =
  "import { Router } from 'volley';\n\nexport default new Router('hello').get(() => 'hello from the package');\n";

/** A PATH without a C toolchain: the shims come first and fail, node and npm stay reachable. */
function compilerlessPath(dir: string): string {
  const shims = join(dir, 'no-compiler');
  mkdirSync(shims);
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python', 'python3']) {
    writeFileSync(join(shims, tool), '#!/bin/sh\necho "$0: hidden by the packaging test" >&2\nexit 1\n');
    chmodSync(join(shims, tool), 0o755);
  }
  return [shims, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

/** The environment for npm: this one without npm's own npm_* variables (a test may run under `npm test`). */
function npmEnv(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && !['CC', 'CXX', 'PYTHON', 'NODE_OPTIONS'].includes(key)) env[key] = value;
  }
  return {
    ...env,
    PATH: path,
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
}

/** Runs a command to its end; returns its stdout and stdout+stderr, or fails with both. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${output}`);
  return { stdout: result.stdout, output };
}

/** A fresh `npm init -y` project with `tarball` (and `extra` packages) installed; returns its directory and npm's output. */
function installInFreshProject(root: string, name: string, tarball: string, path: string, extra: string[] = []) {
  const project = join(root, name);
  mkdirSync(project);
  const env = npmEnv(path);
  run('npm', ['init', '-y'], project, env);
  // --prefer-offline: the dependencies come from npm's cache, which the checkout's install filled.
  // --foreground-scripts: npm shows an install script's output (the addon's message) only with it.
  const { output } = run(
    'npm',
    ['install', '--prefer-offline', '--foreground-scripts', '--no-audit', '--no-fund', tarball, ...extra],
    project,
    env,
  );
  writeFileSync(join(project, 'app.mjs'), APP);
  return { project, output };
}

/** The version of a package in the checkout's node_modules: the one npm's cache has. */
const checkoutVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

// A consumer's TypeScript: strict, no skipLibCheck, so volley's .d.ts and every type they
// import (ws, ioredis) must resolve; the WebSocket handler's `data` must not be implicitly any.
const CONSUMER_TS = `import { Router, Service, StatusError, wsRoute } from 'volley';

const chat = wsRoute('chat', (ws) => {
  ws.on('message', (data, isBinary) => {
    ws.send(isBinary ? 'binary' : data.toString());
  });
});
export const service: Service = new Service(new Router('api').get(() => ({ ok: true })).push(chat));
export const notFound: StatusError = StatusError.notFound();
`;

function typeCheckConsumer(project: string, moduleResolution: 'node16' | 'bundler'): void {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    module: moduleResolution === 'node16' ? 'node16' : 'esnext',
    moduleResolution,
    target: 'es2022',
    types: ['node'],
  };
  const config = `tsconfig.${moduleResolution}.json`;
  writeFileSync(join(project, config), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
  run(
    process.execPath,
    [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config],
    project,
    process.env,
  );
}

async function serve(project: string): Promise<{ log: string; body: string }> {
  const port = await freePort();
  const volley = new VolleyProcess(
    ['serve', 'app.mjs', '--workers', '2', '--listen', `127.0.0.1:${port}`],
    {},
    { bin: join(project, 'node_modules', 'volley', 'bin', 'volley.js'), cwd: project },
  );
  try {
    await volley.ready(30_000);
    const response = await fetch(`http://127.0.0.1:${port}/hello`, { headers: { connection: 'close' } });
    assert.equal(response.status, 200);
    return { log: volley.output, body: await response.text() };
  } finally {
    await volley.dispose();
  }
}

describe('the npm package, installed without a C compiler', { skip, timeout: 600_000 }, () => {
  let root = '';
  let tarball = '';
  let unpacked = '';
  let path = '';

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'volley-pack-'));
    path = compilerlessPath(root);
    // --ignore-scripts: the suite runs on the build it has; prepack would rebuild the prebuilds.
    const packed = run(
      'npm',
      ['pack', '--ignore-scripts', '--pack-destination', root],
      repoRoot,
      npmEnv(process.env.PATH ?? ''),
    );
    const name = packed.stdout.trim().split('\n').pop() ?? '';
    tarball = join(root, name);
    assert.ok(existsSync(tarball), `npm pack made no ${tarball}:\n${packed.output}`);
    unpacked = join(root, 'unpacked');
    mkdirSync(unpacked);
    run('tar', ['-xzf', tarball, '-C', unpacked], root, process.env);
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the tarball holds what runs, and no tests, benchmarks or TypeScript sources', () => {
    const pkg = join(unpacked, 'package');
    for (const file of [
      'LICENSE',
      'README.md',
      'bin/volley.js',
      'dist/volley.js',
      'dist/worker-entry.js',
      'dist/src/index.d.ts',
      'binding.gyp',
    ]) {
      assert.ok(existsSync(join(pkg, file)), `${file} is in the package`);
    }
    for (const dir of ['src', 'test', 'dist/test', 'dist/bench', 'bench']) {
      assert.ok(!existsSync(join(pkg, dir)), `${dir} is not in the package`);
    }
    assert.ok(existsSync(join(pkg, 'prebuilds', `linux-${process.arch}`, 'volley.glibc.node')));
  });

  test('the arm64 prebuild is an AArch64 ELF shared object', (t) => {
    const file = join(unpacked, 'package', 'prebuilds', 'linux-arm64', 'volley.glibc.node');
    if (!existsSync(file))
      return t.skip('no linux-arm64 prebuild (gcc-aarch64-linux-gnu was missing at `npm run prebuilds`)');
    const header = readFileSync(file).subarray(0, 20);
    assert.deepEqual([...header.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'ELF magic');
    assert.equal(header[4], 2, 'ELFCLASS64');
    assert.equal(header[5], 1, 'little-endian');
    assert.equal(header.readUInt16LE(16), 3, 'e_type ET_DYN (a shared object)');
    assert.equal(header.readUInt16LE(18), 0xb7, 'e_machine EM_AARCH64');
  });

  test('the musl prebuild links against musl, not glibc', (t) => {
    const file = join(unpacked, 'package', 'prebuilds', `linux-${process.arch}`, 'volley.musl.node');
    if (!existsSync(file))
      return t.skip(`no linux-${process.arch} musl prebuild (musl-tools was missing at \`npm run prebuilds\`)`);
    const readelf = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
    if (readelf.status !== 0) return t.skip('readelf (binutils) is not installed');
    const needed = [...readelf.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    // musl's loader provides libc.so itself; glibc's libc.so.6 does not exist on Alpine.
    assert.deepEqual(needed, ['libc.so']);
  });

  test('with the prebuilds: nothing is compiled, and volley serve runs in SO_REUSEPORT mode', async () => {
    const consumerTools = [
      `typescript@${checkoutVersion('typescript')}`,
      `@types/node@${checkoutVersion('@types/node')}`,
    ];
    const { project } = installInFreshProject(root, 'with-prebuilds', tarball, path, consumerTools);
    assert.ok(!existsSync(join(project, 'node_modules', 'volley', 'build')), 'no build/ in the installed package');
    const { log, body } = await serve(project);
    assert.equal(body, 'hello from the package');
    assert.match(log, /serving \S*app\.mjs with 2 worker\(s\) on 127\.0\.0\.1:\d+ \(SO_REUSEPORT/);
    assert.doesNotMatch(log, /falling back to node:cluster/);

    // The same install, as a TypeScript consumer's project (type: module) sees it.
    run('npm', ['pkg', 'set', 'type=module'], project, npmEnv(path));
    writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
    typeCheckConsumer(project, 'node16');
    typeCheckConsumer(project, 'bundler');
    // require(esm) of the bundle (Node >= 20.19 and >= 22.12) and import, from the installed package.
    const cjs = run(
      process.execPath,
      ['-e', "process.stdout.write(typeof require('volley').Router)"],
      project,
      process.env,
    );
    assert.equal(cjs.stdout, 'function');
  });

  test('without prebuilds: the install succeeds, and volley serve says the addon is missing and still serves', async () => {
    const stripped = join(root, 'stripped');
    mkdirSync(stripped);
    rmSync(join(unpacked, 'package', 'prebuilds'), { recursive: true, force: true });
    run('tar', ['-czf', join(stripped, 'volley-no-prebuilds.tgz'), '-C', unpacked, 'package'], root, process.env);
    assert.deepEqual(readdirSync(stripped), ['volley-no-prebuilds.tgz']);
    const { project, output } = installInFreshProject(
      root,
      'without-prebuilds',
      join(stripped, 'volley-no-prebuilds.tgz'),
      path,
    );
    assert.match(output, /no prebuilt native addon fits linux-\w+, and compiling it failed/);
    const { log, body } = await serve(project);
    assert.equal(body, 'hello from the package');
    const fallback = log.split('\n').filter((line) => line.includes('falling back to node:cluster'));
    assert.equal(fallback.length, 1, `said once:\n${log}`);
    assert.match(
      fallback[0] ?? '',
      /Volley's native addon is not installed: no prebuilt binary loads on linux-\w+-(glibc|musl)/,
    );
    assert.match(fallback[0] ?? '', /then run: npm rebuild volley/);
    assert.match(log, /\(node:cluster round-robin\)/);
  });
});
