/**
 * The `level` of a merged-log record, one of pino's names, always a string so that log tools
 * can index one field type: a JSON line's own `level` is kept (pino and bunyan numbers are
 * mapped to their names, 30 -> "info"), a plain line that starts with a level word says its
 * own level ("WARN: ...", "[debug] ...", Node's "(node:12) Warning: ..."), and otherwise
 * stderr is "error" and stdout and the primary's events are "info".
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** pino's and bunyan's numbers (they agree): 10 trace ... 60 fatal. */
export function levelFromNumber(n: number): LogLevel {
  if (n <= 10) return 'trace';
  if (n <= 20) return 'debug';
  if (n <= 30) return 'info';
  if (n <= 40) return 'warn';
  if (n <= 50) return 'error';
  return 'fatal';
}

const WORDS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
};

/** A level word at the very start of a line, alone or in brackets, followed by ':', ']', a space or the end. */
const LEADING_WORD = /^\s*\[?(trace|debug|info|notice|warn|warning|error|err|fatal|crit|critical)(?=[\]:\s]|$)/i;
/** Node's own warnings on stderr: "(node:1234) Warning: ...", "(node:1234) [DEP0005] DeprecationWarning: ...". */
const NODE_WARNING = /^\(node:\d+\) (?:\[[\w-]+\] )?\w*Warning\b/;

/** A JSON record's own level (number or name), or undefined when it has none we know. */
export function levelFromField(value: unknown): LogLevel | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return levelFromNumber(value);
  if (typeof value === 'string') return WORDS[value.toLowerCase()];
  return undefined;
}

/** The level of a plain (not JSON) line from `stream`. */
export function levelOfText(stream: 'stdout' | 'stderr' | 'primary', msg: string): LogLevel {
  const word = LEADING_WORD.exec(msg);
  if (word) return WORDS[word[1]!.toLowerCase()]!;
  if (NODE_WARNING.test(msg)) return 'warn';
  return stream === 'stderr' ? 'error' : 'info';
}
