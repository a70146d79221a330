import type { StandardSchemaV1 } from '@standard-schema/spec';
import { lazyRequire } from '../lazy-require.js';
import { isStandardSchema, type Schema } from '../validation/schema.js';
import { MissingPackageError, OpenApiError } from './errors.js';

export type JsonSchema = Record<string, unknown>;

/** Which side of a transform to describe: what the client sends, or what the server answers. */
export type SchemaIo = 'input' | 'output';

/** Standard JSON Schema (zod 4.2+, arktype): the converter the library itself ships, on its `~standard`. */
interface StandardJsonSchemaProps {
  readonly jsonSchema?: {
    readonly input: (options: { target: string }) => JsonSchema;
    readonly output: (options: { target: string }) => JsonSchema;
  };
}

type ValibotToJsonSchema = { toJsonSchema(schema: unknown, config?: Record<string, unknown>): JsonSchema };
type Zod = { toJSONSchema(schema: unknown, params?: Record<string, unknown>): JsonSchema };

// Loaded only when a document is built for such a schema; optional peer dependencies.
const valibotConverter = lazyRequire<ValibotToJsonSchema>('@valibot/to-json-schema');
const zod = lazyRequire<Zod>('zod');

/**
 * The JSON Schema of a schema, from the schema library's own converter (this file converts
 * nothing itself): Standard JSON Schema where the library offers it (zod 4, arktype), else
 * `z.toJSONSchema` / `@valibot/to-json-schema`. A JSON Schema (TypeBox) is its own document:
 * a plain JSON copy of it (TypeBox's symbol keys dropped). `$schema` is left out, the
 * document's dialect applies.
 */
export function toJsonSchema(schema: Schema, io: SchemaIo, where: string): JsonSchema {
  const converted = isStandardSchema(schema)
    ? fromStandard(schema, io, where)
    : (JSON.parse(JSON.stringify(schema)) as JsonSchema);
  const { $schema: _dialect, ...rest } = converted;
  return rest;
}

function fromStandard(schema: StandardSchemaV1, io: SchemaIo, where: string): JsonSchema {
  const std = schema['~standard'] as StandardSchemaV1['~standard'] & StandardJsonSchemaProps;
  try {
    if (std.jsonSchema) return std.jsonSchema[io]({ target: 'draft-2020-12' });
    if (std.vendor === 'valibot') return loadValibotConverter(where).toJsonSchema(schema, { errorMode: 'ignore' });
    if (std.vendor === 'zod') return zod().toJSONSchema(schema, { io, unrepresentable: 'any' });
  } catch (err) {
    if (err instanceof MissingPackageError) throw err;
    throw new OpenApiError(
      `${where}: the ${std.vendor} schema could not be converted to JSON Schema: ${(err as Error).message}`,
      err,
    );
  }
  throw new OpenApiError(
    `${where}: no JSON Schema converter is known for ${std.vendor} schemas (give a JSON Schema, or a library with Standard JSON Schema)`,
  );
}

function loadValibotConverter(where: string): ValibotToJsonSchema {
  try {
    return valibotConverter();
  } catch (err) {
    throw new MissingPackageError('@valibot/to-json-schema', `documenting the valibot schema of ${where}`, err);
  }
}
