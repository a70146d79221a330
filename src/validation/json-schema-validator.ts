import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { lazyRequire } from '../lazy-require.js';
import { SchemaError } from './errors.js';
import type { JsonSchemaObject, SchemaResult } from './schema.js';

type AjvModule = { default: typeof Ajv2020 };
type FormatsModule = { default: (ajv: Ajv2020) => Ajv2020 };

// ajv is loaded on the first endpoint with a JSON Schema: apps without one never pay for it.
const loadAjv = lazyRequire<AjvModule>('ajv/dist/2020');
const loadFormats = lazyRequire<FormatsModule>('ajv-formats');

// One ajv per coercion mode (coercion is an instance option). `useDefaults` fills in
// `default`s; `coerceTypes: 'array'` also turns a single `?tag=a` into `['a']` for an
// array schema. `strict: false`: a user's schema may carry keywords ajv does not know
// (`example`, OpenAPI's `discriminator`, ...), which are documentation, not errors.
let plain: Ajv2020 | undefined;
let coercing: Ajv2020 | undefined;

function instance(coerce: boolean): Ajv2020 {
  const make = (): Ajv2020 => {
    const Ajv = loadAjv().default;
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: coerce ? 'array' : false });
    loadFormats().default(ajv);
    return ajv;
  };
  if (coerce) {
    coercing ??= make();
    return coercing;
  }
  plain ??= make();
  return plain;
}

/**
 * Compiles a JSON Schema (TypeBox's included) into a validator function, once. The value is
 * validated in place: defaults and coercions are written into it, so the caller passes a
 * value of its own (a fresh object per request), never one it shares.
 */
export function compileJsonSchema(
  schema: JsonSchemaObject,
  coerce: boolean,
  where: string,
): (value: unknown) => SchemaResult {
  // A `$schema` naming another draft would make ajv look the meta-schema up and fail; the
  // keywords themselves are what is validated.
  const { $schema: _ignored, ...rest } = schema;
  let validate: ValidateFunction;
  try {
    validate = instance(coerce).compile(rest);
  } catch (err) {
    throw new SchemaError(`${where}: the JSON Schema does not compile: ${(err as Error).message}`, err);
  }
  return (value) => {
    if (validate(value)) return { ok: true, value };
    return { ok: false, issues: (validate.errors ?? []).map(toIssue) };
  };
}

function toIssue(error: ErrorObject): { path: string; message: string } {
  const parts = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  if (extra !== undefined) parts.push(extra);
  const message =
    params.additionalProperty !== undefined ? 'is not an allowed property' : (error.message ?? 'is not valid');
  return { path: parts.join('.'), message };
}

function unescapePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}
