import { VolleyError } from '../errors.js';

/** A schema given to `endpoint()` that no validator accepts (not a schema, or a JSON Schema ajv refuses). */
export class SchemaError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_SCHEMA', message, { cause });
  }
}

/** An optional peer dependency that a feature needs is not installed. */
export class MissingPackageError extends VolleyError {
  readonly packageName: string;
  constructor(packageName: string, feature: string, cause?: unknown) {
    super('VOLLEY_ERR_MISSING_PACKAGE', `${feature} needs the package '${packageName}': npm install ${packageName}`, {
      cause,
    });
    this.packageName = packageName;
  }
}
