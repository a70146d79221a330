import { VolleyError } from '../errors.js';

/** The router cannot be documented as it is: two operations with one operationId, a schema no converter knows. */
export class OpenApiError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_OPENAPI', message, { cause });
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
