/**
 * Turns an option's raw value into its typed value, whatever the source: the text of a flag or
 * of a VOLLEY_* variable, or a config file's JSON value. The kinds are those of
 * config/options.ts; a value that does not fit is a UsageError naming the option as its source
 * spells it (`--workers`, `VOLLEY_WORKERS`, `workers in /srv/volley.config.json`).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseSize } from '../cluster/primary/rotating-file.js';
import type { OptionSpec } from '../config/options.js';
import { UsageError } from '../errors.js';

export type OptionValue = string | string[] | number | boolean;

export type Source =
  | { from: 'flag' }
  | { from: 'env'; name: string }
  | { from: 'file'; path: string }
  | { from: 'default' };

/** How a source names the option in messages and in --print-config. */
export function sourceLabel(spec: OptionSpec, source: Source): string {
  switch (source.from) {
    case 'flag':
      return spec.key === 'app' ? 'the command line' : `--${spec.flag}`;
    case 'env':
      return source.name;
    case 'file':
      return `${spec.key} in ${source.path}`;
    default:
      return 'default';
  }
}

function expected(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer':
      return 'an integer >= 0';
    case 'size':
      return 'a size such as 10485760, 512K or 10M';
    case 'boolean':
      return 'true or false';
    case 'workers':
      return "an integer or 'auto'";
    case 'enum':
      return spec.values!.join(' or ');
    default:
      return spec.list ? 'a string or an array of strings' : 'a string';
  }
}

function bad(spec: OptionSpec, source: Source, got: unknown): UsageError {
  const shown = typeof got === 'string' ? `'${got}'` : JSON.stringify(got);
  return new UsageError(`${sourceLabel(spec, source)} expects ${expected(spec)}, got ${shown}`);
}

/** One scalar, from text (flag, variable) or JSON (file). */
function scalar(spec: OptionSpec, source: Source, raw: unknown): string | number | boolean {
  const text = typeof raw === 'string';
  switch (spec.kind) {
    case 'integer':
    case 'workers': {
      if (spec.kind === 'workers' && raw === 'auto') return 'auto';
      if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
      if (text && source.from !== 'file' && /^\d+$/.test(raw)) return Number(raw);
      throw bad(spec, source, raw);
    }
    case 'size': {
      if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return raw;
      const bytes = text ? parseSize(raw) : undefined;
      if (bytes === undefined) throw bad(spec, source, raw);
      return bytes;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (text && source.from === 'env' && /^(1|true|yes|on)$/i.test(raw)) return true;
      if (text && source.from === 'env' && /^(0|false|no|off|)$/i.test(raw)) return false;
      throw bad(spec, source, raw);
    }
    case 'enum':
      if (text && spec.values!.includes(raw)) return raw;
      throw bad(spec, source, raw);
    default:
      if (!text || raw === '') throw bad(spec, source, raw);
      return raw;
  }
}

/**
 * The typed value of one option from one source. A list takes a string or an array in a file,
 * a comma-separated list in a variable, and each repetition of its flag. A path from a file is
 * made absolute against the file's directory (flags and variables stay relative to the cwd).
 */
export function optionValue(spec: OptionSpec, source: Source, raw: unknown): OptionValue {
  let value: OptionValue;
  if (spec.list) {
    let items: unknown[];
    if (Array.isArray(raw)) items = raw;
    else if (typeof raw === 'string' && source.from === 'env') items = raw.split(',').map((s) => s.trim());
    else items = [raw];
    if (items.length === 0) throw bad(spec, source, raw);
    value = items.map((item) => {
      if (typeof item !== 'string' || item === '') throw bad(spec, source, raw);
      return scalar(spec, source, item) as string;
    });
  } else {
    value = scalar(spec, source, raw);
  }
  if (spec.kind === 'path' && source.from === 'file') {
    const base = dirname(source.path);
    const absolute = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
    value = Array.isArray(value) ? value.map(absolute) : absolute(value as string);
  }
  return value;
}
