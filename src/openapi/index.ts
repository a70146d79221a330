export { MissingPackageError, OpenApiError } from './errors.js';
export { OpenApi, type OpenApiOptions } from './openapi.js';
