export { MissingPackageError, OpenApiError } from './errors.js';
export { OpenApi, type OpenApiOptions } from './openapi.js';
export { type DocsUiOptions, Scalar, SwaggerUi } from './ui.js';
