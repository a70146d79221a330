import { STATUS_CODES } from 'node:http';
import type { SecuritySchemeInfo } from '../http/security-scheme.js';
import { Router } from '../routing/router.js';
import type { RouterLike } from '../routing/router-parts.js';
import { type EndpointSpec, isResponseSpec, type ResponseSpec, responseSchema } from '../validation/endpoint.js';
import { isStandardSchema, type Schema } from '../validation/schema.js';
import { type CollectedRoute, collectRoutes } from './collect.js';
import { resolveRef, SchemaComponents } from './components.js';
import { OpenApiError } from './errors.js';
import { pathTemplate } from './path-template.js';
import { type JsonSchema, type SchemaIo, toJsonSchema } from './to-json-schema.js';

export interface OpenApiOptions {
  /** More of the Info Object: description, summary, termsOfService, contact, license. */
  info?: Record<string, unknown>;
  servers?: readonly { url: string; description?: string }[];
  /** Tag descriptions, in the order the UIs should show them. */
  tags?: readonly { name: string; description?: string }[];
  externalDocs?: { url: string; description?: string };
}

type Json = Record<string, unknown>;

const METHOD_ORDER = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The 400 an endpoint with input schemas answers; one shared component. */
const VALIDATION_PROBLEM: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          in: { type: 'string', enum: ['path', 'query', 'header', 'body'] },
          path: { type: 'string' },
          message: { type: 'string' },
        },
        required: ['in', 'path', 'message'],
      },
    },
  },
  required: ['type', 'title', 'status', 'errors'],
};

/**
 * An OpenAPI 3.1 document built from routers (salvo-oapi's `OpenApi`): every `endpoint()`
 * goal under a merged router becomes an operation, at the path its router branch matches,
 * with parameters, body and responses from the endpoint's schemas and security from the
 * jwtAuth()/basicAuth() hoops on the branch.
 */
export class OpenApi {
  readonly #title: string;
  readonly #version: string;
  readonly #options: OpenApiOptions;
  readonly #routers: RouterLike[] = [];
  #document: Json | undefined;

  constructor(title: string, version: string, options: OpenApiOptions = {}) {
    if (typeof title !== 'string' || title === '')
      throw new TypeError('new OpenApi(title, version): title must be a non-empty string');
    if (typeof version !== 'string' || version === '')
      throw new TypeError('new OpenApi(title, version): version must be a non-empty string');
    this.#title = title;
    this.#version = version;
    this.#options = options;
  }

  /** Adds the endpoints under `router` (call before the first toJSON(), or it is rebuilt). */
  mergeRouter(router: RouterLike): this {
    this.#routers.push(router);
    this.#document = undefined;
    return this;
  }

  /** The document (built once, then cached until the next mergeRouter). Throws OpenApiError for what cannot be documented. */
  toJSON(): Json {
    this.#document ??= new DocumentBuilder(this.#title, this.#version, this.#options).build(this.#routers);
    return this.#document;
  }

  /** A router serving the document as JSON at `path` (e.g. 'openapi.json'). */
  intoRouter(path: string): Router {
    let text: string | undefined;
    return new Router(path).get((_req, res) => {
      text ??= JSON.stringify(this.toJSON());
      res.text(text, 'application/json');
    });
  }
}

class DocumentBuilder {
  readonly #components = new SchemaComponents();
  readonly #securitySchemes: Record<string, Json> = {};
  readonly #operationIds = new Set<string>();
  readonly #paths: Record<string, Record<string, Json>> = {};
  #usesProblem = false;

  constructor(
    readonly title: string,
    readonly version: string,
    readonly options: OpenApiOptions,
  ) {}

  build(routers: readonly RouterLike[]): Json {
    const routes = routers.flatMap((r) => collectRoutes(r));
    // Explicit operationIds first, so a derived one never takes a name an endpoint asked for.
    for (const route of routes) {
      const id = route.spec.operationId;
      if (id === undefined) continue;
      if (this.#operationIds.has(id)) throw new OpenApiError(`two operations have the operationId '${id}'`);
      this.#operationIds.add(id);
    }
    for (const route of routes) this.#add(route);
    if (this.#usesProblem) this.#components.schemas.ValidationProblem ??= VALIDATION_PROBLEM;
    const doc: Json = {
      openapi: '3.1.0',
      info: { title: this.title, version: this.version, ...this.options.info },
    };
    if (this.options.servers) doc.servers = this.options.servers;
    if (this.options.tags) doc.tags = this.options.tags;
    if (this.options.externalDocs) doc.externalDocs = this.options.externalDocs;
    doc.paths = sortPaths(this.#paths);
    const components: Json = {};
    if (Object.keys(this.#components.schemas).length > 0) components.schemas = this.#components.schemas;
    if (Object.keys(this.#securitySchemes).length > 0) components.securitySchemes = this.#securitySchemes;
    if (Object.keys(components).length > 0) doc.components = components;
    return doc;
  }

  #add(route: CollectedRoute): void {
    const { spec, method } = route;
    const template = pathTemplate(route.segments);
    this.#paths[template.path] ??= {};
    const item = this.#paths[template.path]!;
    // The router answers the first match: a later route at the same path and method is unreachable.
    if (item[method]) return;
    const where = `${method.toUpperCase()} ${template.path}`;
    const op: Json = {};
    if (spec.tags) op.tags = [...spec.tags];
    if (spec.summary) op.summary = spec.summary;
    if (spec.description) op.description = spec.description;
    op.operationId = spec.operationId ?? this.#deriveOperationId(method, template.path);

    const parameters: Json[] = [];
    const pathProps = spec.params ? this.#objectSchema(spec.params, `${where} params`) : undefined;
    for (const p of template.params) {
      const fromSpec = pathProps?.properties[p.name];
      const param: Json = { name: p.name, in: 'path', required: true, schema: fromSpec ?? p.schema };
      if (p.description) param.description = p.description;
      parameters.push(param);
    }
    if (spec.query) parameters.push(...this.#parameters(spec.query, 'query', where));
    if (spec.headers) parameters.push(...this.#parameters(spec.headers, 'header', where));
    if (parameters.length > 0) op.parameters = parameters;

    if (spec.body) {
      const schema = this.#schema(spec.body, 'input', `${where} body`);
      const content: Json = {};
      for (const type of spec.bodyTypes ?? ['application/json']) content[type] = { schema };
      op.requestBody = { required: !acceptsUndefined(spec.body), content };
    }
    op.responses = this.#responses(spec, where);
    const security = spec.security ?? this.#security(route.security);
    if (security) op.security = security;
    if (spec.deprecated) op.deprecated = true;
    item[method] = op;
  }

  #schema(schema: Schema, io: SchemaIo, where: string): JsonSchema {
    return this.#components.add(toJsonSchema(schema, io, where), io);
  }

  /** An object schema's properties and required list (params, query and headers are objects). */
  #objectSchema(schema: Schema, where: string): { properties: Record<string, JsonSchema>; required: string[] } {
    const js = resolveRef(this.#schema(schema, 'input', where), this.#components);
    if (js.type !== 'object' || typeof js.properties !== 'object' || js.properties === null) {
      throw new OpenApiError(`${where}: the schema must be an object with properties to be documented as parameters`);
    }
    return {
      properties: js.properties as Record<string, JsonSchema>,
      required: (js.required as string[] | undefined) ?? [],
    };
  }

  #parameters(schema: Schema, location: 'query' | 'header', where: string): Json[] {
    const { properties, required } = this.#objectSchema(schema, `${where} ${location}`);
    return Object.entries(properties).map(([name, property]) => {
      const param: Json = { name, in: location, required: required.includes(name), schema: property };
      if (typeof property.description === 'string') param.description = property.description;
      // A query array is sent as a repeated key (?tag=a&tag=b): OpenAPI's default form/explode.
      return param;
    });
  }

  #responses(spec: EndpointSpec, where: string): Json {
    const out: Json = {};
    for (const [status, entry] of Object.entries(spec.responses ?? {})) {
      const schema = responseSchema(entry);
      const info = isResponseSpec(entry) ? (entry as ResponseSpec) : undefined;
      const response: Json = { description: info?.description ?? STATUS_CODES[Number(status)] ?? 'Response' };
      if (schema !== undefined) {
        response.content = {
          [info?.contentType ?? 'application/json']: {
            schema: this.#schema(schema, 'output', `${where} response ${status}`),
          },
        };
      }
      out[status] = response;
    }
    const validates = spec.params || spec.query || spec.headers || spec.body;
    if (validates && out['400'] === undefined) {
      this.#usesProblem = true;
      out['400'] = {
        description: 'The request is not valid',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ValidationProblem' } } },
      };
    }
    if (Object.keys(out).length === 0) out.default = { description: 'The response' };
    return out;
  }

  /** The auth hoops on the branch: all of them must pass (one requirement naming each). */
  #security(hoops: readonly SecuritySchemeInfo[]): Json[] | undefined {
    if (hoops.length === 0) return undefined;
    const requirement: Json = {};
    for (const hoop of hoops) requirement[this.#securityScheme(hoop)] = [];
    return hoops.every((h) => h.optional) ? [requirement, {}] : [requirement];
  }

  #securityScheme(hoop: SecuritySchemeInfo): string {
    for (let n = 1; ; n++) {
      const name = n === 1 ? hoop.name : `${hoop.name}${n}`;
      const known = this.#securitySchemes[name];
      if (known === undefined) {
        this.#securitySchemes[name] = { ...hoop.scheme };
        return name;
      }
      if (JSON.stringify(known) === JSON.stringify(hoop.scheme)) return name;
    }
  }

  /** `get /todos/{id}` → `getTodosById`; numbered when taken. */
  #deriveOperationId(method: string, path: string): string {
    const words = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        const param = /^\{(.+)\}$/.exec(s);
        return param ? `By${pascal(param[1]!)}` : pascal(s);
      });
    const base = method + words.join('');
    let id = base;
    for (let n = 2; this.#operationIds.has(id); n++) id = `${base}${n}`;
    this.#operationIds.add(id);
    return id;
  }
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** A body schema that accepts no body documents an optional request body. */
function acceptsUndefined(schema: Schema): boolean {
  if (!isStandardSchema(schema)) return false;
  const result = schema['~standard'].validate(undefined);
  if (result instanceof Promise) {
    // An async schema: not awaited while the document is built (documented as required).
    result.catch(() => undefined);
    return false;
  }
  return result.issues === undefined;
}

function sortPaths(paths: Record<string, Record<string, Json>>): Json {
  const out: Json = {};
  for (const [path, item] of Object.entries(paths)) {
    const ordered: Json = {};
    for (const method of METHOD_ORDER) if (item[method]) ordered[method] = item[method];
    if (Object.keys(ordered).length > 0) out[path] = ordered;
  }
  return out;
}
