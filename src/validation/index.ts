export {
  type BodyContentType,
  type Endpoint,
  type EndpointHandler,
  type EndpointSpec,
  endpoint,
  type ResponseSpec,
  type Valid,
  type ValidRequest,
} from './endpoint.js';
export { SchemaError } from './errors.js';
export type { ProblemFieldError, ValidationProblem } from './problem.js';
export type { JsonSchemaObject, Schema, SchemaOutput } from './schema.js';
