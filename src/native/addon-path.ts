/**
 * Where the addon's binary is. node-gyp-build picks, in the package root, build/Release (a
 * compile at install or `npm rebuild volley`) or else the prebuild in prebuilds/<platform>-<arch>/
 * that matches this Node's platform, architecture and libc (glibc or musl).
 *
 * The root is found by walking up to binding.gyp, a file only the package root has: this module
 * runs as dist/volley.js (the bundle, in a checkout and in an installed package) and as
 * dist/src/native/index.js (the unit tests), at different depths.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root directory: the first directory above this module with a binding.gyp. */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`Volley's package root (the directory with binding.gyp) was not found above ${here}`);
}

interface NodeGypBuild {
  /** The path of the binary that fits this process, or throws "No native build was found". */
  path(dir: string): string;
}

/** The addon binary for this process; throws (with node-gyp-build's reason) when there is none. */
export function addonPath(): string {
  const nodeGypBuild = createRequire(import.meta.url)('node-gyp-build') as NodeGypBuild;
  return nodeGypBuild.path(packageRoot());
}
