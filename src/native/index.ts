/**
 * Loads the N-API addon built from native/reuseport.c. The addon is the only way to get
 * a listening SO_REUSEPORT socket that nobody accepts on (see DESIGN.md); without it
 * the supervisor falls back to node:cluster, so loading it is lazy and its failure is
 * reported with what to install.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeAddonError } from '../errors.js';

export interface OpenListenerOptions {
  /** Numeric IPv4 or IPv6 address (resolve names first). */
  host: string;
  /** 0 picks a free port; read it back with localPort(fd). */
  port: number;
  /** listen(2) backlog, default 511. */
  backlog?: number;
  /** SO_REUSEPORT, default true. SO_REUSEADDR is always set. */
  reusePort?: boolean;
  /** IPV6_V6ONLY for IPv6 addresses, default false (dual stack). */
  ipv6Only?: boolean;
}

export interface OpenUnixListenerOptions {
  path: string;
  backlog?: number;
  /** File mode applied to the socket path before listen(2), e.g. 0o600. */
  mode?: number;
}

/** The functions native/reuseport.c exports. Errors carry `code` (errno name), `syscall`, `address`. */
export interface NativeAddon {
  openListener(options: OpenListenerOptions): number;
  openUnixListener(options: OpenUnixListenerOptions): number;
  localPort(fd: number): number;
  closeFd(fd: number): void;
  attachCpuSteering(fd: number, groups: number): void;
  attachSlotSteering(fd: number, socketIndices: number[]): void;
  detachSteering(fd: number): void;
  setCpuAffinity(pid: number, cpu: number): void;
  usableCpus(): number[];
  setParentDeathSignal(signal: number): void;
  isSupported(): boolean;
  /** send(2) of `data` to each fd (non-blocking, no SIGPIPE); results[i] = bytes sent or -errno. */
  sendMany(fds: Int32Array, data: Buffer, results: Int32Array): void;
}

const ADDON_RELATIVE = join('native', 'build', 'Release', 'volley_native.node');

/** Walks up from this file (src/native or dist/src/native) to the package root. */
function addonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, ADDON_RELATIVE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`${ADDON_RELATIVE} was not found above ${fileURLToPath(import.meta.url)}`);
}

let cached: NativeAddon | undefined;
let loadError: unknown;

/** The addon, or a NativeAddonError that says what to install and how to rebuild. */
export function native(): NativeAddon {
  if (cached) return cached;
  if (loadError === undefined) {
    try {
      const require = createRequire(import.meta.url);
      cached = require(addonPath()) as NativeAddon;
      return cached;
    } catch (err) {
      loadError = err;
    }
  }
  const reason = loadError instanceof Error ? loadError.message : String(loadError);
  throw new NativeAddonError(
    `Volley's native addon (native/build/Release/volley_native.node) is not available: ${reason}\n` +
      'It is built by node-gyp at `npm install` and needs a C compiler (gcc or clang), python3 and make\n' +
      '(Debian/Ubuntu: apt-get install build-essential python3). Rebuild it with: npm rebuild volley\n' +
      '(or, in a checkout, `node scripts/build-addon.mjs`).',
    loadError,
  );
}

/** True when SO_REUSEPORT balancing is usable here (Linux with the addon built). */
export function reusePortSupported(): boolean {
  try {
    return native().isSupported();
  } catch {
    return false;
  }
}
