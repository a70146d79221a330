#!/usr/bin/env node
// `npm run prebuilds` (and `prepack`; not named `prebuild`, which npm would run before every
// `npm run build` as its pre-script): builds the prebuilt addons that the npm package ships in
// prebuilds/<platform>-<arch>/volley.<libc>.node, with prebuildify, for every target whose
// compiler this machine has (Debian: gcc, musl-tools, gcc-aarch64-linux-gnu). node-gyp-build
// picks one at run time (src/native/addon-path.ts), so an install needs no compiler.
//
// The addon uses Node-API only, so one binary per platform/arch/libc serves every Node version.
// Nothing is downloaded: node-gyp gets this Node's headers (--nodedir via npm_config_nodedir).
// Each target builds in a scratch copy of binding.gyp and native/, so the checkout's own
// build/Release (what its tests load) is left as it was.
//
// A target whose compiler is missing is skipped with a message, unless VOLLEY_PREBUILD_ALL=1
// (CI), which makes it an error. linux-arm64 musl is never built here: Debian has no
// aarch64 musl cross compiler (musl-tools is for the host architecture only).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const prebuildify = createRequire(import.meta.url)('prebuildify');
const strict = process.env.VOLLEY_PREBUILD_ALL === '1';

// Linking uses $(CXX) in node-gyp's Makefiles; the addon is C only, so the C compiler links it.
const targets = [
  { arch: 'x64', libc: 'glibc', cc: 'gcc', strip: 'strip', host: 'x64' },
  { arch: 'x64', libc: 'musl', cc: 'musl-gcc', strip: 'strip', host: 'x64', kernelHeaders: 'x86_64-linux-gnu' },
  { arch: 'arm64', libc: 'glibc', cc: 'aarch64-linux-gnu-gcc', strip: 'aarch64-linux-gnu-strip', host: 'x64' },
  { arch: 'arm64', libc: 'glibc', cc: 'gcc', strip: 'strip', host: 'arm64' },
  { arch: 'x64', libc: 'glibc', cc: 'x86_64-linux-gnu-gcc', strip: 'x86_64-linux-gnu-strip', host: 'arm64' },
];

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const nodeGyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((c) => c && existsSync(c));
const nodedir = resolve(dirname(process.execPath), '..');

if (process.platform !== 'linux') {
  console.log(`prebuild: prebuilds are made on Linux only (this is ${process.platform}); nothing built`);
  process.exit(0);
}
if (!nodeGyp) throw new Error('prebuild: node-gyp (bundled with npm) was not found');
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) {
  throw new Error(`prebuild: this Node's headers are not in ${nodedir}/include/node`);
}

/**
 * musl-gcc searches musl's headers only, not /usr/include, so it lacks the kernel's (linux/filter.h
 * and the like, the same for every libc). This gives it Debian's, and nothing of glibc.
 */
function kernelHeaders(scratch, multiarch) {
  const dir = join(scratch, 'kernel-headers');
  mkdirSync(dir);
  symlinkSync('/usr/include/linux', join(dir, 'linux'));
  symlinkSync('/usr/include/asm-generic', join(dir, 'asm-generic'));
  symlinkSync(`/usr/include/${multiarch}/asm`, join(dir, 'asm'));
  return dir;
}

rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
const built = [];
const skipped = [];
for (const target of targets.filter((t) => t.host === process.arch)) {
  const name = `linux-${target.arch} ${target.libc}`;
  if (!has(target.cc)) {
    skipped.push(`${name} (no ${target.cc})`);
    continue;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'volley-prebuild-'));
  try {
    for (const entry of ['binding.gyp', 'package.json', 'native']) {
      cpSync(join(root, entry), join(scratch, entry), { recursive: true, filter: (p) => !p.includes('/build') });
    }
    const cflags = target.kernelHeaders ? `-isystem ${kernelHeaders(scratch, target.kernelHeaders)}` : '';
    // prebuildify hands node-gyp a copy of process.env (its own `env` option is overwritten).
    Object.assign(process.env, {
      CC: target.cc,
      CXX: target.cc,
      LINK: target.cc,
      CFLAGS: cflags,
      npm_config_nodedir: nodedir,
    });
    await new Promise((done, fail) =>
      prebuildify(
        {
          cwd: scratch,
          out: root,
          arch: target.arch,
          platform: 'linux',
          libc: target.libc,
          tagLibc: true,
          napi: true,
          strip: true,
          stripBin: target.strip,
          nodeGyp,
          targets: [{ runtime: 'node', target: process.versions.node }],
        },
        (err) => (err ? fail(new Error(`prebuild ${name}: ${err.message}`)) : done()),
      ),
    );
    built.push(name);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
skipped.push('linux-arm64 musl (no aarch64 musl cross compiler in Debian)');
console.log(`prebuild: built ${built.join(', ') || 'nothing'}; not built: ${skipped.join(', ')}`);
if (strict && skipped.length > 1) {
  console.error('prebuild: VOLLEY_PREBUILD_ALL=1 but some targets were not built (install their compilers)');
  process.exit(1);
}
