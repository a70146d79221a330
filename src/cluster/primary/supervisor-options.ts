/**
 * The supervisor's options: what callers give (SupervisorOptions), and the one place they are
 * checked and completed with defaults (resolveSupervisorOptions). The CLI turns flags into
 * SupervisorOptions (cli/serve-options.ts) and leaves every rule about values to this file.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError } from '../../errors.js';
import { type ListenAddress, parseAddress } from '../../server/address.js';
import { loadTls } from '../../server/tls.js';
import { usableCpuCount } from './cpus.js';
import { StartupError } from './errors.js';
import type { LogFormat } from './log-sink.js';
import { hostsOverlap } from './port-owner.js';
import { STEERING_MODES, type SteeringMode } from './steering/load-steering.js';

/** IPv4 with IPv4, IPv6 with IPv6 (`0.0.0.0:80` and `[::]:80` together serve both families). */
function sameFamily(a: string, b: string): boolean {
  return isIP(a) === isIP(b);
}

/**
 * Two --listen addresses that name the same socket (the same one twice, or a wildcard and an
 * address of the same port and family) are refused: our groups would join each other (SO_REUSEPORT) and
 * the port guard would see our own sockets as another server.
 */
function checkDistinct(addresses: ListenAddress[]): void {
  for (let i = 0; i < addresses.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = addresses[i]!;
      const b = addresses[j]!;
      const same =
        a.kind === 'unix'
          ? b.kind === 'unix' && resolvePath(a.path) === resolvePath(b.path)
          : b.kind === 'tcp' &&
            a.port !== 0 &&
            a.port === b.port &&
            sameFamily(a.host, b.host) &&
            hostsOverlap(a.host, b.host);
      if (same) {
        throw new UsageError(
          a.text === b.text
            ? `--listen ${a.text} is given twice`
            : `--listen ${a.text} overlaps --listen ${b.text} (the same port on the same or every address)`,
        );
      }
    }
  }
}

export interface SupervisorOptions {
  /** Path of the app module (default export: Router or Service). */
  app: string;
  /** Listen addresses: `host:port`, `[v6]:port`, `unix:/path`. Default `0.0.0.0:$PORT` or 0.0.0.0:7878. */
  listen?: string[];
  /** Worker count, or 'auto' (usable CPUs: affinity and cgroup quota). Default 'auto'. */
  workers?: number | 'auto';
  heartbeatTimeout?: number;
  shutdownTimeout?: number;
  shutdownDelay?: number;
  /** How long a new worker may take to load the app and listen. Default 30 s. */
  readyTimeout?: number;
  maxMemoryMb?: number;
  maxRequests?: number;
  maxRequestsJitter?: number;
  cpuAffinity?: boolean;
  /**
   * Load-aware steering (steering/load-steering.ts): `queue` steers new connections away from a
   * worker whose accept queue stalls, `rescue` also moves the connections stuck in it to another
   * worker, `off` leaves every connection to the kernel's hash. Default `rescue`.
   */
  steering?: SteeringMode;
  logFormat?: LogFormat;
  /** Where the merged log goes. Default process.stdout. */
  logOutput?: Writable;
  keepAliveTimeout?: number;
  /** Workers keep request metrics for /metrics (on when an admin endpoint is served). */
  metrics?: boolean;
  /** Serve TLS with these files (read again by every new worker, so a reload picks up renewals). */
  tls?: { cert: string; key: string; ca?: string };
  /** HTTP/2 over TLS (ALPN), HTTP/1.1 still accepted. Needs `tls`. */
  http2?: boolean;
  /**
   * Share TCP ports that another socket (another `volley serve`) already listens on, joining its
   * SO_REUSEPORT group. Default false: such a port is refused at start.
   */
  joinPort?: boolean;
  /** Services the primary hosts for its workers, called with `callPrimary(name, op, args)`. */
  services?: Record<string, PrimaryService>;
}

/** A service hosted by the primary: answers `op(args)` for the worker in slot `worker`. */
export type PrimaryService = (op: string, args: unknown[], worker: number) => unknown;

/** SupervisorOptions checked, with every default applied and `workers: 'auto'` counted. */
export interface ResolvedSupervisorOptions {
  app: string;
  listen: string[];
  workers: number;
  heartbeatTimeout: number;
  shutdownTimeout: number;
  shutdownDelay: number;
  readyTimeout: number;
  maxMemoryMb: number | undefined;
  maxRequests: number | undefined;
  maxRequestsJitter: number;
  cpuAffinity: boolean;
  steering: SteeringMode;
  logFormat: LogFormat;
  keepAliveTimeout: number | undefined;
  metrics: boolean;
  tls: { cert: string; key: string; ca?: string } | undefined;
  http2: boolean;
  joinPort: boolean;
}

function count(flag: string, value: number | undefined, min: number, fallback: number): number;
function count(flag: string, value: number | undefined, min: number): number | undefined;
function count(flag: string, value: number | undefined, min: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`--${flag} expects an integer >= ${min}, got ${value}`);
  return value;
}

/**
 * Checks the options and applies the defaults. Bad values throw a UsageError that names the
 * flag; TLS files that cannot be used throw a StartupError that names the file, before any
 * socket or worker exists.
 */
export function resolveSupervisorOptions(options: SupervisorOptions): ResolvedSupervisorOptions {
  if (!existsSync(options.app)) throw new UsageError(`app module not found: ${options.app}`);
  const listen = options.listen?.length ? options.listen : [`0.0.0.0:${process.env.PORT || 7878}`];
  checkDistinct(listen.map((text) => parseAddress(text, '--listen')));
  const workers = options.workers === undefined || options.workers === 'auto' ? usableCpuCount() : options.workers;
  if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
    throw new UsageError(`--workers must be an integer from 1 to 1024 or 'auto', got ${workers}`);
  }
  const logFormat = options.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new UsageError(`--log-format expects text or json, got '${logFormat}'`);
  }
  if (options.tls && !options.tls.cert && !options.tls.key)
    throw new UsageError('--tls-ca needs --tls-cert and --tls-key');
  if (options.tls && (!options.tls.cert || !options.tls.key))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (options.http2 && !options.tls) {
    throw new UsageError('--http2 needs --tls-cert and --tls-key (HTTP/2 is served over TLS)');
  }
  if (options.tls) {
    try {
      loadTls(options.tls);
    } catch (err) {
      throw new StartupError((err as Error).message, err);
    }
  }
  return {
    app: resolvePath(options.app),
    listen,
    workers,
    heartbeatTimeout: count('heartbeat-timeout', options.heartbeatTimeout, 100, 10_000),
    shutdownTimeout: count('shutdown-timeout', options.shutdownTimeout, 0, 30_000),
    shutdownDelay: count('shutdown-delay', options.shutdownDelay, 0, 0),
    readyTimeout: count('ready-timeout', options.readyTimeout, 1, 30_000),
    maxMemoryMb: count('max-memory', options.maxMemoryMb, 1),
    maxRequests: count('max-requests', options.maxRequests, 1),
    maxRequestsJitter: count('max-requests-jitter', options.maxRequestsJitter, 0, 0),
    cpuAffinity: options.cpuAffinity ?? false,
    steering: steeringMode(options.steering),
    logFormat,
    keepAliveTimeout: count('keep-alive-timeout', options.keepAliveTimeout, 1),
    metrics: options.metrics ?? false,
    tls: options.tls,
    http2: options.http2 ?? false,
    joinPort: options.joinPort ?? false,
  };
}

function steeringMode(mode: SteeringMode | undefined): SteeringMode {
  if (mode === undefined) return 'rescue';
  if (!STEERING_MODES.includes(mode)) {
    throw new UsageError(`--steering expects ${STEERING_MODES.join(', ')}, got '${String(mode)}'`);
  }
  return mode;
}
