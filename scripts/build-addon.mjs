#!/usr/bin/env node
// Builds native/volley_native.node with node-gyp at `npm install`.
// Nothing is downloaded: the build uses the headers of the Node that runs it
// (<prefix>/include/node), so it works on machines without internet access.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');

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

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  console.error(
    'volley: cannot find node-gyp to build the native SO_REUSEPORT addon.\n' +
      'Install npm (which bundles node-gyp), a C compiler, python3 and make, then run: npm rebuild volley',
  );
  process.exit(1);
}

const args = [nodeGyp, 'rebuild', `--directory=${nativeDir}`];
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(
    '\nvolley: building the native addon failed. It needs a C compiler (gcc or clang), python3 and make\n' +
      '(on Debian/Ubuntu: apt-get install build-essential python3). Then run: npm rebuild volley',
  );
  process.exit(result.status ?? 1);
}
