/**
 * Loads the N-API addon built from native/reuseport.c. The addon is the only way to get
 * a listening SO_REUSEPORT socket that nobody accepts on (see DESIGN.md); without it
 * the supervisor falls back to node:cluster, so loading it is lazy and its failure is
 * reported with what to install. The package ships prebuilds (prebuilds/, scripts/prebuild.mjs);
 * where none fits, `npm install` tries to compile it and, failing that, installs without it.
 */
import { createRequire } from 'node:module';
import { NativeAddonError } from '../errors.js';
import { addonPath } from './addon-path.js';

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

/** The stall monitor's timings (native/stall-monitor.c; defaults in cluster/primary/steering/stall-monitor.ts). */
export interface StallTiming {
  /** The shortest pause between two looks (a stall due sooner waits this long). */
  lookUs: number;
  /** How often it looks while no stall could be due (each wake-up costs the primary CPU). */
  idleLookUs: number;
  /** A queue that waits this long with no loop turn of its worker is a stall. */
  stallUs: number;
  /** A stall this old with connections still queued: they are stranded (rescue takes them; reported again every 2 lookUs while they wait). */
  strandUs: number;
  /**
   * An app that blocks often is looked at every lookUs, not idleLookUs, while nothing waits:
   * `alertStalls` reported stalls within `alertUs` turn that on for the next `alertUs` (0: never).
   */
  alertUs: number;
  alertStalls: number;
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
  /** One datagram to a unix socket (a leading '@' is the abstract namespace); returns bytes sent. */
  sendUnixDatagram(path: string, data: Buffer): number;
  /** Sets FD_CLOEXEC on an inherited fd, so that processes started later do not inherit it. */
  setCloseOnExec(fd: number): void;
  /** What the socket on `fd` is; throws (code ENOTSOCK, EBADF) when it is no socket. */
  socketInfo(fd: number): SocketInfo;
  /** A memfd of `count` 64-byte progress cells (native/stall-monitor.c). */
  createProgressCells(count: number): number;
  /** In a worker: maps the cells (and closes `fd`) and writes cell `index` once per loop turn. */
  attachProgressCell(fd: number, index: number): void;
  /**
   * Starts the stall monitor thread; `onChange` state is 0 recovered, 1 stalled, 2 stranded,
   * `sinceTurnUs` how long ago the slot's loop last came round (0 for recovered).
   */
  startStallMonitor(
    cellsFd: number,
    count: number,
    timing: StallTiming,
    onChange: (slot: number, state: number, queued: number, sinceTurnUs: number) => void,
  ): unknown;
  watchStalls(monitor: unknown, slots: { slot: number; fds: number[] }[]): void;
  stopStallMonitor(monitor: unknown): void;
  /** Connections waiting in a listening TCP socket's accept queue. */
  acceptQueueLength(fd: number): number;
  /** Accepts up to `max` queued connections without blocking; their fds (non-blocking, close-on-exec). */
  acceptQueued(fd: number, max: number): number[];
  /**
   * A SOCK_SEQPACKET unix socket pair for rescued connections (native/fd-passing.c): the
   * primary's end and the worker's (inherited); both non-blocking and close-on-exec.
   */
  connectionPair(): [primaryFd: number, workerFd: number];
  /** One message of `label` and descriptors (SCM_RIGHTS); 0, or -errno (-EAGAIN: the worker's buffer is full). The fds stay open here. */
  sendConnections(fd: number, label: string, fds: number[]): number;
  /** Bytes sent on the pair that the worker has not read yet. */
  unsentConnections(fd: number): number;
  /** In a worker: calls `onBatch` on its event loop for every message (the fds are its to close). */
  receiveConnections(fd: number, onBatch: (label: string, fds: number[]) => void): void;
}

export interface SocketInfo {
  family: 'ipv4' | 'ipv6' | 'unix' | 'other';
  type: 'stream' | 'dgram' | 'other';
  listening: boolean;
  reusePort: boolean;
  /** Numeric address (ipv4, ipv6). */
  address?: string;
  port?: number;
  /** Unix socket path ('@name' for an abstract one, '' for an unnamed one). */
  path?: string;
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
  throw new NativeAddonError(`${addonMissing(loadError)}.\n${HOW_TO_BUILD}`, loadError);
}

/** How to get the addon where no prebuild fits; said by the error and by `volley serve`'s fallback. */
export const HOW_TO_BUILD =
  'To build it, install a C compiler, python3 and make (Debian/Ubuntu: apt-get install build-essential python3; ' +
  'Alpine: apk add build-base python3), then run: npm rebuild volley (in a checkout: node scripts/build-addon.mjs)';

/** One line: the addon is missing, for which platform, and the loader's own first line. */
function addonMissing(loadError: unknown): string {
  const reason = (loadError instanceof Error ? loadError.message : String(loadError)).trim().split('\n')[0];
  return (
    `Volley's native addon is not installed: no prebuilt binary loads on ${platformTag()} ` +
    `and none was compiled at install (${reason})`
  );
}

/** linux-x64-glibc and the like: what a prebuild is chosen by. */
function platformTag(): string {
  if (process.platform !== 'linux') return `${process.platform}-${process.arch}`;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return `linux-${process.arch}-${header?.glibcVersionRuntime ? 'glibc' : 'musl'}`;
}

/**
 * Why SO_REUSEPORT balancing is not available here, or undefined when it is: the addon is
 * missing (it can be built), or the platform's SO_REUSEPORT does not balance (nothing to do).
 * `message` is one line, for the supervisor's log.
 */
export function reusePortUnavailable(): { reason: 'addon-missing' | 'platform'; message: string } | undefined {
  let addon: NativeAddon;
  try {
    addon = native();
  } catch {
    return { reason: 'addon-missing', message: `${addonMissing(loadError)}. ${HOW_TO_BUILD}` };
  }
  if (addon.isSupported()) return undefined;
  return { reason: 'platform', message: `SO_REUSEPORT does not balance connections on ${process.platform}` };
}

/** True when SO_REUSEPORT balancing is usable here (Linux with the addon built). */
export function reusePortSupported(): boolean {
  return reusePortUnavailable() === undefined;
}
