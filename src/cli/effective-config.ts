/**
 * `volley serve`'s effective options: each option from the first source that sets it, flags,
 * then VOLLEY_* variables, then the config file, then the default, remembering the source so
 * `--print-config` can show it and errors can name it.
 */
import type { ServeOptions } from '../cluster/primary/run-primary.js';
import { envName, type OptionSpec, SERVE_OPTIONS } from '../config/options.js';
import { UsageError } from '../errors.js';
import { type OptionValue, optionValue, type Source, sourceLabel } from './option-values.js';

export interface Effective {
  values: Map<string, { value: OptionValue; source: Source }>;
  configFile: string | undefined;
}

const SPECS = SERVE_OPTIONS as readonly OptionSpec[];

/** Options set by VOLLEY_* variables (an empty variable counts as unset). */
export function envValues(env: NodeJS.ProcessEnv): Map<string, { value: OptionValue; source: Source }> {
  const values = new Map<string, { value: OptionValue; source: Source }>();
  for (const spec of SPECS) {
    const name = envName(spec);
    const text = name ? env[name] : undefined;
    if (name === undefined || text === undefined || text === '') continue;
    const source: Source = { from: 'env', name };
    values.set(spec.key, { value: optionValue(spec, source, text), source });
  }
  return values;
}

/** Merges the sources, highest precedence first. */
export function mergeSources(
  flags: Map<string, OptionValue>,
  env: Map<string, { value: OptionValue; source: Source }>,
  file: Map<string, OptionValue>,
  configFile: string | undefined,
): Effective {
  const values = new Map<string, { value: OptionValue; source: Source }>();
  for (const spec of SPECS) {
    const flag = flags.get(spec.key);
    const fromFile = file.get(spec.key);
    if (flag !== undefined) values.set(spec.key, { value: flag, source: { from: 'flag' } });
    else if (env.has(spec.key)) values.set(spec.key, env.get(spec.key)!);
    else if (fromFile !== undefined)
      values.set(spec.key, { value: fromFile, source: { from: 'file', path: configFile! } });
  }
  return { values, configFile };
}

/** The ServeOptions the supervisor takes. */
export function toServeOptions(effective: Effective): ServeOptions {
  const get = <T extends OptionValue>(key: string) => effective.values.get(key)?.value as T | undefined;
  const app = get<string>('app');
  if (app === undefined) {
    throw new UsageError(
      'volley serve needs an app module: volley serve <app-module>, or `app` in a config file (volley.config.json)',
    );
  }
  const options: ServeOptions = { app, listen: get<string[]>('listen') ?? [] };
  const copy = [
    'workers',
    'admin',
    'adminToken',
    'logFormat',
    'steering',
    'logFile',
    'logMaxSize',
    'logKeep',
    'pidFile',
  ] as const;
  const more = ['heartbeatTimeout', 'shutdownTimeout', 'shutdownDelay', 'maxRequests', 'maxRequestsJitter'] as const;
  const flags = ['cpuAffinity', 'http2', 'joinPort', 'watch', 'watchPath'] as const;
  const target = options as unknown as Record<string, unknown>;
  for (const key of [...copy, ...more, ...flags]) {
    const value = get(key);
    if (value !== undefined) target[key] = value;
  }
  const maxMemory = get<number>('maxMemory');
  if (maxMemory !== undefined) options.maxMemoryMb = maxMemory;
  const cert = get<string>('tlsCert');
  const key = get<string>('tlsKey');
  const ca = get<string>('tlsCa');
  if (cert !== undefined || key !== undefined || ca !== undefined) {
    options.tls = { cert: cert ?? '', key: key ?? '', ...(ca !== undefined ? { ca } : {}) };
  }
  return options;
}

/**
 * A supervisor check names the option by its flag (`--workers must be ...`); when the value came
 * from a variable or the file, the message also says where, so the user knows what to edit.
 */
export function withSource(err: unknown, effective: Effective): unknown {
  if (!(err instanceof UsageError)) return err;
  const flag = /^--([a-z0-9-]+)/.exec(err.message)?.[1];
  const spec = SPECS.find((s) => s.flag === flag);
  const entry = spec && effective.values.get(spec.key);
  if (!spec || !entry || entry.source.from === 'flag') return err;
  return new UsageError(`${err.message} (set by ${sourceLabel(spec, entry.source)})`);
}

function shown(spec: OptionSpec, value: OptionValue | undefined): string {
  if (value === undefined) return spec.default ?? '-';
  if (spec.key === 'adminToken') return '(set, not shown)';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** `--print-config`: each option, its effective value and where it came from. */
export function formatEffective(effective: Effective): string {
  const rows = SPECS.map((spec) => {
    const entry = effective.values.get(spec.key);
    return [spec.key, shown(spec, entry?.value), entry ? sourceLabel(spec, entry.source) : 'default'] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  // Long values (deep paths) are not cut: they push their own row's source further right.
  const w1 = Math.min(48, Math.max(...rows.map((r) => r[1].length))) + 2;
  const head = `config file: ${effective.configFile ?? '(none)'}\n`;
  return head + rows.map(([k, v, s]) => `${k.padEnd(w0)}${`${v}  `.padEnd(w1)}${s}`).join('\n');
}
