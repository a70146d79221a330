import { OpenApiError } from './errors.js';
import type { JsonSchema, SchemaIo } from './to-json-schema.js';

const REF_PREFIX = '#/components/schemas/';

/**
 * `components.schemas` of a document. A converted schema brings its named parts along as
 * `$defs` (zod's `.meta({ id })`) or `definitions` (draft-07 converters), and a JSON Schema
 * may name itself with `$id` (TypeBox's `{ $id: 'Todo' }`): those become components, and
 * every operation that uses them points at the one copy with a `$ref`.
 */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};
  readonly #texts = new Map<string, string>();

  /** The schema with its named parts moved into the components and its refs pointed there. */
  add(schema: JsonSchema, io: SchemaIo): JsonSchema {
    const { $defs, definitions, ...root } = schema;
    const defs = {
      ...(definitions as Record<string, JsonSchema> | undefined),
      ...($defs as Record<string, JsonSchema> | undefined),
    };
    const names = new Map<string, string>();
    for (const name of Object.keys(defs)) names.set(name, this.#nameFor(name, defs, names, io));
    for (const [local, name] of names) this.#put(name, rewriteRefs(defs[local], names) as JsonSchema);
    const rewritten = rewriteRefs(root, names) as JsonSchema;
    const id = rewritten.$id;
    if (typeof id === 'string' && /^[A-Za-z0-9._-]+$/.test(id)) {
      const { $id: _id, ...body } = rewritten;
      const name = this.#free(id, body, io);
      this.#put(name, body);
      return { $ref: REF_PREFIX + name };
    }
    return rewritten;
  }

  /**
   * The component name for a definition: its own name, unless another, different schema took
   * it (a schema with defaults is not the same as request input and as response output:
   * the input one gets an `Input` suffix).
   */
  #nameFor(local: string, defs: Record<string, JsonSchema>, names: Map<string, string>, io: SchemaIo): string {
    // Compare with refs rewritten to this schema's own names, as they would be stored.
    const provisional = new Map(names);
    for (const other of Object.keys(defs)) if (!provisional.has(other)) provisional.set(other, other);
    return this.#free(local, rewriteRefs(defs[local], provisional) as JsonSchema, io);
  }

  #free(name: string, schema: JsonSchema, io: SchemaIo): string {
    const text = JSON.stringify(schema);
    const taken = this.#texts.get(name);
    if (taken === undefined || taken === text) return name;
    const alternative = `${name}${io === 'input' ? 'Input' : 'Output'}`;
    const second = this.#texts.get(alternative);
    if (second === undefined || second === text) return alternative;
    throw new OpenApiError(`two different schemas are both named '${name}'; give them different names`);
  }

  #put(name: string, schema: JsonSchema): void {
    this.#texts.set(name, JSON.stringify(schema));
    this.schemas[name] = schema;
  }
}

/** A copy of `value` with `#/$defs/X` and `#/definitions/X` refs pointing at the components. */
function rewriteRefs(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, names));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string') {
      const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(v);
      const name = m ? names.get(decodeURIComponent(m[1]!)) : undefined;
      out[key] = name === undefined ? v : REF_PREFIX + name;
    } else {
      out[key] = rewriteRefs(v, names);
    }
  }
  return out;
}

/** Follows a `$ref` into the components, for reading an object schema's properties. */
export function resolveRef(schema: JsonSchema, components: SchemaComponents): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    return components.schemas[ref.slice(REF_PREFIX.length)] ?? schema;
  }
  return schema;
}
