import { VolleyError } from '../errors.js';

/** A schema given to `endpoint()` that no validator accepts (not a schema, or a JSON Schema ajv refuses). */
export class SchemaError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_SCHEMA', message, { cause });
  }
}
