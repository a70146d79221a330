/**
 * `volley serve`'s flags, turned into ServeOptions. This file only parses: it turns strings
 * into numbers, sizes and lists and names the flag when one does not parse. Every rule about
 * the values themselves (ranges, which options go together, files that must exist) is checked
 * once, by the supervisor (cluster/primary/supervisor-options.ts), for flags and API alike.
 */
import { parseArgs } from 'node:util';
import { parseSize } from '../cluster/primary/rotating-file.js';
import type { ServeOptions } from '../cluster/primary/run-primary.js';
import { UsageError } from '../errors.js';

const FLAGS = {
  listen: { type: 'string', multiple: true },
  workers: { type: 'string' },
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
  'log-format': { type: 'string' },
  'log-file': { type: 'string' },
  'log-max-size': { type: 'string' },
  'log-keep': { type: 'string' },
  'heartbeat-timeout': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'shutdown-delay': { type: 'string' },
  'max-memory': { type: 'string' },
  'max-requests': { type: 'string' },
  'max-requests-jitter': { type: 'string' },
  'cpu-affinity': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  http2: { type: 'boolean' },
  'join-port': { type: 'boolean' },
} as const;

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} expects an integer, got '${value}'`);
  return Number(value);
}

/** Parses `volley serve <app-module> [options]` (the words after `serve`). */
export function parseServeOptions(args: string[]): ServeOptions {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: FLAGS });
  if (positionals.length !== 1) {
    throw new UsageError('volley serve needs exactly one app module: volley serve <app-module>');
  }
  const options: ServeOptions = { app: positionals[0]!, listen: values.listen ?? [] };
  if (values.workers !== undefined && values.workers !== 'auto') options.workers = integer('workers', values.workers)!;
  if (values['log-format'] !== undefined) options.logFormat = values['log-format'] as ServeOptions['logFormat'];
  if (values['log-file'] !== undefined) options.logFile = values['log-file'];
  if (values['log-max-size'] !== undefined) {
    const size = parseSize(values['log-max-size']);
    if (size === undefined) {
      throw new UsageError(
        `--log-max-size expects a size such as 10485760, 512K or 10M, got '${values['log-max-size']}'`,
      );
    }
    options.logMaxSize = size;
  }
  const numbers = {
    logKeep: 'log-keep',
    heartbeatTimeout: 'heartbeat-timeout',
    shutdownTimeout: 'shutdown-timeout',
    shutdownDelay: 'shutdown-delay',
    maxMemoryMb: 'max-memory',
    maxRequests: 'max-requests',
    maxRequestsJitter: 'max-requests-jitter',
  } as const;
  for (const [key, flag] of Object.entries(numbers) as [
    keyof typeof numbers,
    (typeof numbers)[keyof typeof numbers],
  ][]) {
    const value = integer(flag, values[flag]);
    if (value !== undefined) options[key] = value;
  }
  if (values['cpu-affinity']) options.cpuAffinity = true;
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if (cert !== undefined || key !== undefined || values['tls-ca'] !== undefined) {
    options.tls = {
      cert: cert ?? '',
      key: key ?? '',
      ...(values['tls-ca'] !== undefined ? { ca: values['tls-ca'] } : {}),
    };
  }
  if (values.http2) options.http2 = true;
  if (values['join-port']) options.joinPort = true;
  if (values.admin !== undefined) options.admin = values.admin;
  if (values['admin-token'] !== undefined) options.adminToken = values['admin-token'];
  return options;
}
