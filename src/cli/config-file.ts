/**
 * Finding and reading `volley serve`'s config file: `--config PATH`, else the first of
 * volley.config.{ts,mts,js,mjs,cjs,json} in the working directory. A module's default export
 * (or a .json file's object) maps option keys (config/options.ts) to values; an unknown key or a
 * value of the wrong kind is a UsageError naming the key and the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { optionByKey, SERVE_OPTIONS } from '../config/options.js';
import { UsageError } from '../errors.js';
import { type OptionValue, optionValue } from './option-values.js';

export const CONFIG_NAMES = ['ts', 'mts', 'js', 'mjs', 'cjs', 'json'].map((ext) => `volley.config.${ext}`);

/** The config file to read: the explicit one (which must exist), else the first default one in `cwd`. */
export function findConfigFile(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`--config: no such file: ${path}`);
    return path;
  }
  return CONFIG_NAMES.map((name) => join(cwd, name)).find((path) => existsSync(path));
}

/** Imports a config module; TypeScript through tsx, loaded only then and without a global hook. */
async function importConfig(path: string): Promise<unknown> {
  let mod: { default?: unknown };
  if (/\.m?ts$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  } else {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  }
  return unwrapInterop(mod.default);
}

/**
 * A .ts file outside a `"type": "module"` package is compiled to CommonJS, and importing that
 * gives its `exports` as the default: `{ __esModule: true, default: config }`.
 */
function unwrapInterop(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('default' in value)) return value;
  const keys = Object.keys(value).filter((k) => k !== '__esModule');
  return keys.length === 1 || (value as { __esModule?: boolean }).__esModule
    ? (value as { default: unknown }).default
    : value;
}

async function readRaw(path: string): Promise<unknown> {
  try {
    if (path.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8'));
    return await importConfig(path);
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
}

/** Checks a config object's keys and values; paths come back absolute. */
export function checkConfig(raw: unknown, path: string): Map<string, OptionValue> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError(`config file ${path} must export an object of options (export default defineConfig({...}))`);
  }
  const values = new Map<string, OptionValue>();
  for (const [key, value] of Object.entries(raw)) {
    if (key === '$schema') continue; // editors' pointer to volley.schema.json
    const spec = optionByKey(key);
    if (!spec) {
      const known = SERVE_OPTIONS.map((o) => o.key).join(', ');
      throw new UsageError(`unknown key '${key}' in config file ${path} (known keys: ${known})`);
    }
    if (value === undefined) continue;
    values.set(key, optionValue(spec, { from: 'file', path }, value));
  }
  return values;
}

/** Reads and checks a config file. */
export async function loadConfigFile(path: string): Promise<Map<string, OptionValue>> {
  return checkConfig(await readRaw(path), path);
}
