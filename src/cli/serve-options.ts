/**
 * `volley serve`'s flags, parsed by the option table (config/options.ts). This file only
 * parses: it turns each flag's text into its typed value and names the flag when one does not
 * parse. Merging with variables and the config file is effective-config.ts; every rule about
 * the values themselves (ranges, which options go together, files that must exist) is checked
 * once, by the supervisor (cluster/primary/supervisor-options.ts), for flags and API alike.
 */
import { parseArgs } from 'node:util';
import { type OptionSpec, SERVE_OPTIONS } from '../config/options.js';
import { UsageError } from '../errors.js';
import { type OptionValue, optionValue } from './option-values.js';
import { unknownOptionMessage } from './suggest.js';

export interface ServeFlags {
  /** Typed values of the options given as flags (the app module as `app`). */
  values: Map<string, OptionValue>;
  config: string | undefined;
  printConfig: boolean;
  help: boolean;
}

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

const SPECS = (SERVE_OPTIONS as readonly OptionSpec[]).filter((s) => s.key !== 'app');

const FLAGS: ParseArgsOptions = {
  ...Object.fromEntries(
    SPECS.map((s) => [
      s.flag,
      { type: s.kind === 'boolean' ? 'boolean' : 'string', ...(s.list ? { multiple: true } : {}) },
    ]),
  ),
  config: { type: 'string' },
  'print-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** Parses `volley serve [<app-module>] [options]` (the words after `serve`). */
export function parseServeFlags(args: string[]): ServeFlags {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: FLAGS });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const option = /'([^']+)'/.exec((err as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
      throw new UsageError(unknownOptionMessage('serve', option, Object.keys(FLAGS)));
    }
    throw err;
  }
  const { values: raw, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `volley serve takes one app module, got ${positionals.length}: ${positionals.join(' ')} (repeat --listen for more addresses)`,
    );
  }
  const values = new Map<string, OptionValue>();
  if (positionals[0] !== undefined) values.set('app', positionals[0]);
  for (const spec of SPECS) {
    const value = raw[spec.flag];
    if (value === undefined || value === false) continue;
    values.set(spec.key, optionValue(spec, { from: 'flag' }, value));
  }
  return {
    values,
    config: raw.config as string | undefined,
    printConfig: raw['print-config'] === true,
    help: raw.help === true,
  };
}
