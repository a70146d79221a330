#!/usr/bin/env node
// The package's `install` script: makes sure Volley's native SO_REUSEPORT addon is there, and
// never fails the install because of it.
//
// 1. A prebuilt binary in prebuilds/ (scripts/prebuild.mjs; linux x64/arm64, glibc/musl) that
//    loads in this Node: nothing to do. This is the usual case for an installed package.
// 2. Otherwise compile native/*.c with node-gyp into build/Release. Nothing is downloaded: the
//    build uses the headers of the Node that runs it (<prefix>/include/node, --nodedir), so it
//    works on machines without internet access.
// 3. If that fails (most production images have no C compiler), say so and exit 0: `volley
//    serve` then runs in the node:cluster fallback and its log says how to get the addon.
//
// VOLLEY_BUILD_FROM_SOURCE=1 skips step 1; VOLLEY_ADDON_REQUIRED=1 makes step 3 fail (exit 1),
// for a checkout or CI that must have the addon.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const required = process.env.VOLLEY_ADDON_REQUIRED === '1';

/** The prebuild that node-gyp-build picks for this process, if there is one and it loads. */
function loadablePrebuild() {
  try {
    const nodeGypBuild = require('node-gyp-build');
    const prebuild = nodeGypBuild.path(root);
    if (!prebuild.includes(`${join(root, 'prebuilds')}`)) return undefined;
    require(prebuild);
    return prebuild;
  } catch {
    return undefined;
  }
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((c) => c && existsSync(c));
}

/** Compiles build/Release/volley_native.node; returns the reason when it cannot. */
function compile() {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return 'node-gyp was not found (it comes with npm)';
  const args = [nodeGyp, 'rebuild', `--directory=${root}`];
  const prefix = resolve(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.error) return result.error.message;
  return result.status === 0 ? undefined : `node-gyp exited with ${result.status ?? result.signal}`;
}

if (process.env.VOLLEY_BUILD_FROM_SOURCE !== '1') {
  const prebuild = loadablePrebuild();
  if (prebuild) process.exit(0);
}

const failure = compile();
if (failure) {
  console.error(
    `\nvolley: no prebuilt native addon fits ${process.platform}-${process.arch}, and compiling it failed (${failure}).\n` +
      'Volley is installed and works; `volley serve` will use the node:cluster fallback instead of SO_REUSEPORT.\n' +
      'To get the addon: install a C compiler, python3 and make (Debian/Ubuntu: apt-get install build-essential python3;\n' +
      'Alpine: apk add build-base python3), then run: npm rebuild volley',
  );
  process.exit(required ? 1 : 0);
}
