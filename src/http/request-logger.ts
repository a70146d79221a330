import { randomUUID } from 'node:crypto';
import type { Logger, LoggerOptions } from 'pino';
import { lazyRequire } from '../lazy-require.js';

type Pino = typeof import('pino');

// pino is loaded by the first request that logs: an app that never touches req.log never loads it.
const loadPino = lazyRequire<Pino>('pino');

let root: Logger | undefined;

/**
 * The logger every `req.log` is a child of: pino, writing one JSON object per line through
 * `process.stdout` (under `volley serve`, the worker's stdout, which the primary merges; the
 * merged log keeps the record's fields and turns its level number into a name). Level from
 * $LOG_LEVEL, default info. ISO time, no pid or hostname (the merged log adds worker and pid).
 */
export function rootRequestLogger(): Logger {
  if (root === undefined) {
    const pino = loadPino();
    const options: LoggerOptions = {
      level: process.env.LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    };
    root = pino(options, { write: (line: string) => process.stdout.write(line) });
  }
  return root;
}

/** Replaces the root logger (an app's own pino, with its own level, redaction or transport). */
export function setRootRequestLogger(logger: Logger): void {
  root = logger;
}

/** The child logger of one request: its id is the request's `x-request-id` (the requestId() hoop sets it), else a new UUID. */
export function requestLogger(headers: Record<string, string | string[] | undefined>): Logger {
  const header = headers['x-request-id'];
  const reqId = typeof header === 'string' && header !== '' ? header : randomUUID();
  return rootRequestLogger().child({ reqId });
}
