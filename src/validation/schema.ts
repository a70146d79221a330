import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SchemaError } from './errors.js';
import { compileJsonSchema } from './json-schema-validator.js';

/**
 * What `endpoint()` accepts as a schema: anything that implements Standard Schema v1
 * (zod 4, valibot, arktype, ...) or a plain JSON Schema object (TypeBox schemas are JSON
 * Schema objects). Both are validated by their own engines: Standard Schema through its
 * `~standard.validate`, JSON Schema compiled once by ajv.
 */
export type Schema = StandardSchemaV1 | JsonSchemaObject;

/** A JSON Schema object (TypeBox's `Type.Object(...)` is one). */
export type JsonSchemaObject = { readonly [key: string]: unknown };

/**
 * The parsed value a schema produces: Standard Schema's declared output, TypeBox's `static`
 * type, `unknown` for a plain JSON Schema (there is nothing to infer from).
 */
export type SchemaOutput<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : S extends { readonly static: infer T }
    ? T
    : unknown;

/** One problem with one value, path relative to that value ('' for the value itself). */
export interface SchemaIssue {
  path: string;
  message: string;
}

export type SchemaResult = { ok: true; value: unknown } | { ok: false; issues: SchemaIssue[] };

/**
 * Where a value comes from. Path params, query, headers and form fields arrive as strings:
 * a JSON Schema validating them coerces ("7" → 7 for an integer); a JSON body is typed
 * already and is not coerced. (A Standard Schema library does its own coercion: `z.coerce`.)
 */
export type SchemaTarget = 'params' | 'query' | 'headers' | 'body' | 'form' | 'response';

/** A schema made ready once, at `endpoint()` time: calling `run` is the per-request cost. */
export interface CompiledSchema {
  readonly source: Schema;
  /** Synchronous when the library validates synchronously (ajv always does). */
  run(value: unknown): SchemaResult | Promise<SchemaResult>;
}

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const std = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return typeof std === 'object' && std !== null && std.version === 1 && typeof std.validate === 'function';
}

export function compileSchema(schema: Schema, target: SchemaTarget, where: string): CompiledSchema {
  if (isStandardSchema(schema)) return compileStandard(schema);
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new SchemaError(`${where}: expected a Standard Schema (zod, valibot, arktype) or a JSON Schema object`);
  }
  return {
    source: schema,
    run: compileJsonSchema(
      schema,
      target === 'params' || target === 'query' || target === 'headers' || target === 'form',
      where,
    ),
  };
}

function compileStandard(schema: StandardSchemaV1): CompiledSchema {
  const std = schema['~standard'];
  const settle = (result: StandardSchemaV1.Result<unknown>): SchemaResult =>
    result.issues === undefined
      ? { ok: true, value: result.value }
      : { ok: false, issues: result.issues.map((i) => ({ path: issuePath(i.path), message: i.message })) };
  return {
    source: schema,
    run(value) {
      const result = std.validate(value);
      return result instanceof Promise ? result.then(settle) : settle(result);
    },
  };
}

function issuePath(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined) return '';
  return path.map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.');
}
