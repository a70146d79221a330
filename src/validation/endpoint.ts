import type { IncomingHttpHeaders } from 'node:http';
import { mediaType } from '../http/body.js';
import type { Depot } from '../http/depot.js';
import type { FlowCtrl } from '../http/flow-ctrl.js';
import type { FormData } from '../http/form.js';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { StatusError } from '../http/status-error.js';
import { type ProblemFieldError, sendValidationProblem } from './problem.js';
import {
  type CompiledSchema,
  compileSchema,
  type Schema,
  type SchemaOutput,
  type SchemaResult,
  type SchemaTarget,
} from './schema.js';

/** A documented response: a schema, or a schema with its description (and media type). */
export interface ResponseSpec {
  description?: string;
  schema?: Schema;
  /** Default 'application/json'. */
  contentType?: string;
}

/** The body media types an endpoint can accept. */
export type BodyContentType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data';

export interface EndpointSpec {
  params?: Schema;
  query?: Schema;
  headers?: Schema;
  body?: Schema;
  /** The media types the body may come as. Default ['application/json']; others are a 415. */
  bodyTypes?: readonly BodyContentType[];
  /** Status (or 'default') → schema or `{ description, schema }`. */
  responses?: { readonly [status: string]: Schema | ResponseSpec };
  summary?: string;
  description?: string;
  tags?: readonly string[];
  operationId?: string;
  deprecated?: boolean;
  /** OpenAPI security requirements; replaces what the auth hoops above the endpoint imply. */
  security?: readonly { readonly [scheme: string]: readonly string[] }[];
  /** Validate what the handler answers against `responses` (a 500 when it does not fit). For development and tests. */
  validateResponses?: boolean;
}

type Out<S, K extends string, Fallback> = S extends { readonly [P in K]: infer X } ? SchemaOutput<X> : Fallback;

/** The validated input of an endpoint: each schema's parsed output (defaults and coercions applied). */
export interface Valid<S extends EndpointSpec> {
  readonly params: Out<S, 'params', Readonly<Record<string, string>>>;
  readonly query: Out<S, 'query', Readonly<Record<string, string | string[]>>>;
  readonly headers: Out<S, 'headers', IncomingHttpHeaders>;
  readonly body: Out<S, 'body', undefined>;
}

/** The request an endpoint handler sees: a Request with `valid`. */
export type ValidRequest<S extends EndpointSpec> = Request & { readonly valid: Valid<S> };

export type EndpointHandler<S extends EndpointSpec> = (
  req: ValidRequest<S>,
  res: Response,
  depot: Depot,
  ctrl: FlowCtrl,
) => unknown;

/** Where an endpoint keeps its spec on the handler, for OpenApi. */
export const kEndpoint: unique symbol = Symbol('volley.endpoint');

/** A handler made by `endpoint()`: usable anywhere a Handler is, carrying its spec. */
export type Endpoint<S extends EndpointSpec = EndpointSpec> = Handler & { readonly [kEndpoint]: S };

export function endpointSpecOf(handler: unknown): EndpointSpec | undefined {
  return typeof handler === 'function' ? (handler as Partial<Endpoint>)[kEndpoint] : undefined;
}

/**
 * A goal that validates its request before the handler runs (Salvo's `#[endpoint]`): path
 * params, query, headers and body each against a schema, compiled here once. The handler
 * reads the parsed values from `req.valid`, typed from the schemas. Invalid input is a 400
 * `application/problem+json` listing every error with where it was (`in`) and the field
 * (`path`); the handler does not run.
 */
export function endpoint<const S extends EndpointSpec>(spec: S, handler: EndpointHandler<S>): Endpoint<S> {
  if (typeof handler !== 'function') throw new TypeError('endpoint(spec, handler): handler must be a function');
  const where = spec.operationId ? `endpoint ${spec.operationId}` : 'endpoint';
  const at = (target: SchemaTarget, schema: Schema | undefined) =>
    schema === undefined ? undefined : compileSchema(schema, target, `${where} ${target}`);
  const params = at('params', spec.params);
  const query = at('query', spec.query);
  const headers = at('headers', spec.headers);
  const body = at('body', spec.body);
  const bodyTypes = spec.bodyTypes ?? ['application/json'];
  // A form body is strings like the query: a JSON Schema for it coerces.
  const formBody =
    spec.body !== undefined && bodyTypes.some((t) => t !== 'application/json')
      ? compileSchema(spec.body, 'form', `${where} body`)
      : undefined;
  const responses = spec.validateResponses ? compileResponses(spec, where) : undefined;

  const run = async (req: Request, res: Response, depot: Depot, ctrl: FlowCtrl): Promise<unknown> => {
    const errors: ProblemFieldError[] = [];
    // Validators are called synchronously and awaited only when one answers with a promise
    // (an async refinement): the common path costs no extra promise per part.
    let validParams: unknown = params ? check(params, { ...req.params }, 'path', errors) : req.params;
    if (validParams instanceof Promise) validParams = await validParams;
    let validQuery: unknown = query ? check(query, queryObject(req), 'query', errors) : queryObject(req);
    if (validQuery instanceof Promise) validQuery = await validQuery;
    let validHeaders: unknown = headers ? check(headers, { ...req.headers }, 'header', errors) : req.headers;
    if (validHeaders instanceof Promise) validHeaders = await validHeaders;
    let validBody: unknown;
    if (body) {
      const read = await readBody(req, bodyTypes, errors);
      if (read !== NO_BODY) validBody = check(read.form ? formBody! : body, read.value, 'body', errors);
      if (validBody instanceof Promise) validBody = await validBody;
    }
    if (errors.length > 0) {
      sendValidationProblem(res, 400, 'the request is not valid', errors);
      return undefined;
    }
    (req as { valid?: unknown }).valid = {
      params: validParams,
      query: validQuery,
      headers: validHeaders,
      body: validBody,
    };
    const out = await handler(req as ValidRequest<S>, res, depot, ctrl);
    if (responses) return checkResponse(responses, res, out, req);
    return out;
  };
  return Object.assign(run, { [kEndpoint]: spec }) as unknown as Endpoint<S>;
}

/** The parsed value, or undefined with the issues added to `errors`; a promise only for an async schema. */
function check(
  schema: CompiledSchema,
  value: unknown,
  location: ProblemFieldError['in'],
  errors: ProblemFieldError[],
): unknown {
  const settle = (result: SchemaResult): unknown => {
    if (result.ok) return result.value;
    for (const issue of result.issues) errors.push({ in: location, path: issue.path, message: issue.message });
    return undefined;
  };
  const result = schema.run(value);
  return result instanceof Promise ? result.then(settle) : settle(result);
}

/** The query as an object: a repeated key becomes an array, a single one stays a string. */
function queryObject(req: Request): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (req.queryString === '') return out;
  for (const [k, v] of new URLSearchParams(req.queryString)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const NO_BODY = Symbol('no body');

/** The body as a value to validate; a missing body validates `undefined` (so an optional schema passes). */
async function readBody(
  req: Request,
  types: readonly BodyContentType[],
  errors: ProblemFieldError[],
): Promise<{ value: unknown; form: boolean } | typeof NO_BODY> {
  const type = mediaType(req.header('content-type'));
  const length = req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || req.header('transfer-encoding') !== undefined;
  if (!hasBody && type === '') return { value: undefined, form: false };
  const json = type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
  const accepted = types.some((t) => (t === 'application/json' ? json : t === type));
  if (!accepted)
    throw StatusError.unsupportedMediaType(`the body must be ${types.join(' or ')}, got '${type || 'none'}'`);
  if (json) {
    const text = await req.text();
    if (text === '') return { value: undefined, form: false };
    try {
      return { value: JSON.parse(text), form: false };
    } catch (err) {
      errors.push({ in: 'body', path: '', message: `malformed JSON: ${(err as Error).message}` });
      return NO_BODY;
    }
  }
  return { value: formObject(await req.form()), form: true };
}

/** Fields (repeated ones as arrays) and uploaded files (by field name) as one object. */
function formObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, values] of form.entries()) out[name] = values.length === 1 ? values[0] : values;
  for (const file of form.files) {
    const prev = out[file.fieldName];
    out[file.fieldName] = prev === undefined ? file : Array.isArray(prev) ? [...prev, file] : [prev, file];
  }
  return out;
}

type ResponseCheckers = Map<string, CompiledSchema>;

function compileResponses(spec: EndpointSpec, where: string): ResponseCheckers {
  const out: ResponseCheckers = new Map();
  for (const [status, entry] of Object.entries(spec.responses ?? {})) {
    const schema = responseSchema(entry);
    if (schema !== undefined) out.set(status, compileSchema(schema, 'response', `${where} response ${status}`));
  }
  return out;
}

/** The schema of a `responses` entry: the entry itself, or its `schema` field. */
export function responseSchema(entry: Schema | ResponseSpec): Schema | undefined {
  return isResponseSpec(entry) ? entry.schema : (entry as Schema);
}

/**
 * `{ description, schema, contentType }` (any of them, nothing else) is a ResponseSpec;
 * anything else is a schema. (A JSON Schema of only a `description` reads as a ResponseSpec:
 * it validates nothing anyway.)
 */
export function isResponseSpec(entry: Schema | ResponseSpec): entry is ResponseSpec {
  if (typeof entry !== 'object' || entry === null || '~standard' in entry) return false;
  const keys = Object.keys(entry);
  return keys.length === 0 || keys.every((k) => k === 'description' || k === 'schema' || k === 'contentType');
}

/**
 * Validates what the handler answered: its return value, or a JSON body it wrote. A
 * response that does not fit its schema is the server's bug: a 500 listing the errors.
 */
async function checkResponse(checkers: ResponseCheckers, res: Response, out: unknown, req: Request): Promise<unknown> {
  const status = String(res.statusCode ?? 200);
  const schema = checkers.get(status) ?? checkers.get('default');
  if (schema === undefined) return out;
  let value = out;
  if (value === undefined) {
    const type = mediaType(String(res.getHeader('content-type') ?? ''));
    if (!type.endsWith('json') || typeof res.body !== 'string') return out;
    value = JSON.parse(res.body);
  }
  const errors: ProblemFieldError[] = [];
  const checked = check(schema, value, 'response', errors);
  if (checked instanceof Promise) await checked;
  if (errors.length === 0) return out;
  res.reportError(
    new Error(`${req.method} ${req.path}: the ${status} response does not match its schema: ${JSON.stringify(errors)}`),
  );
  res.discardBody();
  sendValidationProblem(res, 500, `the ${status} response does not match its schema`, errors);
  return undefined;
}
