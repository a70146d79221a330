import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import * as v from 'valibot';
import * as z from 'zod';
import { TestClient } from '../http/test-client.js';
import { basicAuth, basicAuthUsers } from '../middleware/basic-auth.js';
import { jwtAuth } from '../middleware/jwt-auth.js';
import { Router } from '../routing/router.js';
import { endpoint } from '../validation/endpoint.js';
import { MissingPackageError, OpenApiError } from './errors.js';
import { OpenApi } from './openapi.js';
import { resolveAsset, Scalar, SwaggerUi } from './ui.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests read the document as loose JSON
type Json = Record<string, any>;

const ok = endpoint({}, () => 'ok');
const doc = (router: Router): Json => new OpenApi('Test', '1.0.0').mergeRouter(router).toJSON() as Json;
const pathParams = (d: Json, path: string, method = 'get') =>
  (d.paths[path][method].parameters as Json[]).filter((p) => p.in === 'path');

describe('OpenApi: Salvo paths', () => {
  test('each kind of path parameter becomes an OpenAPI path template with its schema', async () => {
    const router = new Router()
      .push(new Router('users/{id:num}').get(ok))
      .push(new Router('codes/{code:num(3..=5)}').get(ok))
      .push(new Router('blobs/{sha:hex}').get(ok))
      .push(new Router('slugs/{slug|[a-z]+-\\d+}').get(ok))
      .push(new Router('files/{**rest}').get(ok))
      .push(new Router('one/{*+rest}').get(ok))
      .push(new Router('pages/{name}.{ext:num}').get(ok))
      .push(new Router('plain/{name}').get(ok));
    const d = doc(router);
    assert.deepEqual(pathParams(d, '/users/{id}')[0], {
      name: 'id',
      in: 'path',
      required: true,
      schema: { type: 'integer', minimum: 0 },
    });
    assert.deepEqual(pathParams(d, '/codes/{code}')[0]!.schema, { type: 'string', pattern: '^[0-9]{3,5}$' });
    assert.deepEqual(pathParams(d, '/blobs/{sha}')[0]!.schema, { type: 'string', pattern: '^[0-9a-fA-F]{1,}$' });
    const slug = pathParams(d, '/slugs/{slug}')[0]!.schema;
    assert.equal(slug.type, 'string');
    assert.ok(new RegExp(slug.pattern).test('abc-12') && !new RegExp(slug.pattern).test('abc-x'));
    const rest = pathParams(d, '/files/{rest}')[0]!;
    assert.match(rest.description, /zero or more segments, which may contain "\/"/);
    assert.match(pathParams(d, '/one/{rest}')[0]!.description, /one or more/);
    assert.deepEqual(
      pathParams(d, '/pages/{name}.{ext}').map((p) => [p.name, p.schema.type]),
      [
        ['name', 'string'],
        ['ext', 'integer'],
      ],
    );
    assert.deepEqual(pathParams(d, '/plain/{name}')[0]!.schema, { type: 'string' });
    await SwaggerParser.validate(structuredClone(d) as never);
  });

  test('paths nest; method filters become operations; a goal without one is documented as get', () => {
    const router = new Router('api').push(
      new Router('items')
        .get(ok)
        .post(ok)
        .push(new Router('{id:num}').put(ok).delete(ok).patch(ok))
        .push(new Router('any').goal(ok)),
    );
    const d = doc(router);
    assert.deepEqual(Object.keys(d.paths), ['/api/items', '/api/items/{id}', '/api/items/any']);
    assert.deepEqual(Object.keys(d.paths['/api/items']), ['get', 'post']);
    assert.deepEqual(Object.keys(d.paths['/api/items/{id}']), ['put', 'delete', 'patch']);
    assert.deepEqual(Object.keys(d.paths['/api/items/any']), ['get']);
  });

  test('plain handlers are not documented; the endpoint params schema refines a path param', () => {
    const router = new Router('n/{id:num}')
      .get(endpoint({ params: z.object({ id: z.coerce.number().int().max(99).describe('the id') }) }, () => 1))
      .post(() => 'plain');
    const d = doc(router);
    assert.deepEqual(Object.keys(d.paths['/n/{id}']), ['get']);
    assert.equal(pathParams(d, '/n/{id}')[0]!.schema.maximum, 99);
  });
});

describe('OpenApi: schemas', () => {
  test('query and headers become parameters, body a requestBody, responses their content', async () => {
    const router = new Router('todos').post(
      endpoint(
        {
          query: z.object({ dryRun: z.stringbool().optional(), page: z.coerce.number().default(1) }),
          headers: z.object({ 'x-tenant': z.string() }),
          body: z.object({ title: z.string(), done: z.boolean().default(false) }),
          responses: {
            201: { description: 'Made', schema: z.object({ id: z.number() }) },
            409: { description: 'Taken' },
          },
        },
        () => 1,
      ),
    );
    const op = doc(router).paths['/todos'].post;
    assert.deepEqual(
      op.parameters.map((p: Json) => `${p.in}:${p.name}:${p.required}`),
      ['query:dryRun:false', 'query:page:false', 'header:x-tenant:true'],
    );
    // Request schemas describe the input: a field with a default is not required.
    assert.deepEqual(op.requestBody.content['application/json'].schema.required, ['title']);
    assert.equal(op.requestBody.required, true);
    assert.equal(op.responses['201'].description, 'Made');
    assert.equal(op.responses['201'].content['application/json'].schema.type, 'object');
    assert.deepEqual(op.responses['409'], { description: 'Taken' });
    // Input schemas imply the validation 400.
    assert.equal(
      op.responses['400'].content['application/problem+json'].schema.$ref,
      '#/components/schemas/ValidationProblem',
    );
    await SwaggerParser.validate(structuredClone(doc(router)) as never);
  });

  test('named schemas are components, one copy referenced by every operation (zod id, TypeBox $id)', async () => {
    const Todo = z.object({ id: z.number(), title: z.string() }).meta({ id: 'Todo' });
    const Tag = Type.Object({ name: Type.String() }, { $id: 'Tag' });
    const router = new Router()
      .push(new Router('todos').get(endpoint({ responses: { 200: z.array(Todo) } }, () => [])))
      .push(new Router('todo').get(endpoint({ responses: { 200: Todo } }, () => null)))
      .push(new Router('tags').post(endpoint({ body: Tag, responses: { 200: Tag } }, () => null)));
    const d = doc(router);
    assert.deepEqual(Object.keys(d.components.schemas).sort(), ['Tag', 'Todo', 'ValidationProblem']);
    assert.equal(
      d.paths['/todos'].get.responses['200'].content['application/json'].schema.items.$ref,
      '#/components/schemas/Todo',
    );
    assert.equal(
      d.paths['/todo'].get.responses['200'].content['application/json'].schema.$ref,
      '#/components/schemas/Todo',
    );
    assert.equal(d.paths['/tags'].post.requestBody.content['application/json'].schema.$ref, '#/components/schemas/Tag');
    assert.equal(d.components.schemas.Tag.$id, undefined);
    await SwaggerParser.validate(structuredClone(d) as never);
  });

  test('a named schema that differs as input and output gets two components (the second one suffixed)', () => {
    const Item = z.object({ n: z.number().default(1) }).meta({ id: 'Item' });
    const d = doc(new Router('i').post(endpoint({ body: Item, responses: { 200: Item } }, () => null)));
    assert.deepEqual(Object.keys(d.components.schemas).sort(), ['Item', 'ItemOutput', 'ValidationProblem']);
    const op = d.paths['/i'].post;
    assert.equal(op.requestBody.content['application/json'].schema.$ref, '#/components/schemas/Item');
    assert.equal(op.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/ItemOutput');
    // With a default the field is optional as input and always there as output.
    assert.equal(d.components.schemas.Item.required, undefined);
    assert.deepEqual(d.components.schemas.ItemOutput.required, ['n']);
  });

  test('valibot and arktype schemas are converted by their own converters', () => {
    const router = new Router()
      .push(new Router('v').post(endpoint({ body: v.object({ a: v.pipe(v.string(), v.minLength(2)) }) }, () => null)))
      .push(new Router('a').post(endpoint({ body: type({ b: 'number.integer' }) }, () => null)));
    const d = doc(router);
    assert.deepEqual(d.paths['/v'].post.requestBody.content['application/json'].schema, {
      type: 'object',
      properties: { a: { type: 'string', minLength: 2 } },
      required: ['a'],
    });
    assert.deepEqual(d.paths['/a'].post.requestBody.content['application/json'].schema, {
      type: 'object',
      properties: { b: { type: 'integer' } },
      required: ['b'],
    });
  });

  test('an optional body is an optional requestBody; form body types are listed', () => {
    const router = new Router('f').post(
      endpoint(
        {
          body: z.object({ a: z.string() }).optional(),
          bodyTypes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
        },
        () => null,
      ),
    );
    const body = doc(router).paths['/f'].post.requestBody;
    assert.equal(body.required, false);
    assert.deepEqual(Object.keys(body.content), ['application/x-www-form-urlencoded', 'multipart/form-data']);
  });

  test('query parameters need an object schema', () => {
    const router = new Router('q').get(endpoint({ query: z.string() }, () => null));
    assert.throws(() => doc(router), OpenApiError);
  });
});

describe('OpenApi: operations', () => {
  test('summary, description, tags, deprecated and an explicit operationId are kept', () => {
    const router = new Router('x').get(
      endpoint({ summary: 'S', description: 'D', tags: ['t'], deprecated: true, operationId: 'readX' }, () => null),
    );
    const op = doc(router).paths['/x'].get;
    assert.deepEqual(
      {
        summary: op.summary,
        description: op.description,
        tags: op.tags,
        deprecated: op.deprecated,
        id: op.operationId,
      },
      { summary: 'S', description: 'D', tags: ['t'], deprecated: true, id: 'readX' },
    );
  });

  test('derived operationIds are unique and never take an explicit one', () => {
    const router = new Router()
      .push(new Router('a-b').get(ok))
      .push(new Router('a_b').get(ok))
      .push(new Router('c/{id}').get(ok))
      .push(new Router('z').get(endpoint({ operationId: 'getAB3' }, () => null)))
      .push(new Router('a.b').get(ok));
    const ids = Object.values(doc(router).paths as Record<string, Json>).map((item) => item.get.operationId);
    assert.deepEqual(ids, ['getAB', 'getAB2', 'getCById', 'getAB3', 'getAB4']);
  });

  test('two endpoints asking for one operationId are an error', () => {
    const router = new Router()
      .push(new Router('a').get(endpoint({ operationId: 'same' }, () => null)))
      .push(new Router('b').get(endpoint({ operationId: 'same' }, () => null)));
    assert.throws(
      () => doc(router),
      (err: OpenApiError) => err.code === 'VOLLEY_ERR_OPENAPI' && /'same'/.test(err.message),
    );
  });

  test('security comes from the auth hoops on the branch where they are declared', async () => {
    const secret = 'a-secret-long-enough-for-hs256-xxxxxxxx';
    const router = new Router()
      .push(new Router('public').get(ok))
      .push(
        new Router('api')
          .hoop(jwtAuth({ secret, algorithms: ['HS256'] }))
          .push(new Router('me').get(ok))
          .push(new Router('admin').hoop(basicAuth(basicAuthUsers({ root: 'pw' }))).get(ok)),
      )
      .push(new Router('maybe').hoop(jwtAuth({ secret, algorithms: ['HS256'], required: false })).get(ok))
      .push(
        new Router('custom').hoop(jwtAuth({ secret, algorithms: ['HS256'] })).get(endpoint({ security: [] }, () => 1)),
      );
    const d = doc(router);
    assert.equal(d.paths['/public'].get.security, undefined);
    assert.deepEqual(d.paths['/api/me'].get.security, [{ bearerAuth: [] }]);
    assert.deepEqual(d.paths['/api/admin'].get.security, [{ bearerAuth: [], basicAuth: [] }]);
    assert.deepEqual(d.paths['/maybe'].get.security, [{ bearerAuth: [] }, {}]);
    assert.deepEqual(d.paths['/custom'].get.security, []);
    assert.deepEqual(d.components.securitySchemes, {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      basicAuth: { type: 'http', scheme: 'basic' },
    });
    await SwaggerParser.validate(structuredClone(d) as never);
  });

  test('info options, several routers, and intoRouter serving the document as JSON', async () => {
    const api = new OpenApi('Merged', '2.0.0', {
      info: { description: 'two routers' },
      servers: [{ url: 'https://api.example.com' }],
    })
      .mergeRouter(new Router('a').get(ok))
      .mergeRouter(new Router('b').get(ok));
    const app = new Router().push(api.intoRouter('openapi.json'));
    const res = await TestClient.get('/openapi.json').send(app);
    assert.equal(res.status, 200);
    assert.equal(res.header('content-type'), 'application/json');
    const d = res.json() as Json;
    assert.deepEqual(d.info, { title: 'Merged', version: '2.0.0', description: 'two routers' });
    assert.deepEqual(d.servers, [{ url: 'https://api.example.com' }]);
    assert.deepEqual(Object.keys(d.paths), ['/a', '/b']);
  });

  test('a bad title or version is refused', () => {
    assert.throws(() => new OpenApi('', '1'), TypeError);
    assert.throws(() => new OpenApi('t', undefined as never), TypeError);
  });
});

describe('documentation UIs', () => {
  test('a missing package is an error that names the package to install', () => {
    assert.throws(
      () => resolveAsset('no-such-package-volley-test/package.json', 'no-such-package-volley-test', 'SwaggerUi'),
      (err: MissingPackageError) =>
        err instanceof MissingPackageError &&
        err.code === 'VOLLEY_ERR_MISSING_PACKAGE' &&
        /npm install no-such-package-volley-test/.test(err.message),
    );
  });

  test('the pages load their assets below themselves, wherever mounted; only the listed files are served', async () => {
    const app = new Router('api')
      .push(new SwaggerUi('/api/openapi.json').intoRouter('docs'))
      .push(new Scalar('/api/openapi.json', { title: 'My <API>' }).intoRouter('ref'));
    const page = await TestClient.get('/api/docs').send(app);
    assert.equal(page.status, 200);
    assert.match(page.text(), /href="\/api\/docs\/swagger-ui.css"/);
    assert.match(page.text(), /src="\/api\/docs\/swagger-ui-bundle.js"/);
    assert.match(page.text(), /"url":"\/api\/openapi.json"/);
    const bundle = await TestClient.get('/api/docs/swagger-ui-bundle.js').send(app);
    assert.equal(bundle.status, 200);
    assert.match(bundle.header('content-type') ?? '', /javascript/);
    assert.equal((await TestClient.get('/api/docs/package.json').send(app)).status, 404);
    assert.equal((await TestClient.get('/api/docs/..%2Fpackage.json').send(app)).status, 404);
    const scalar = await TestClient.get('/api/ref/').send(app);
    assert.match(scalar.text(), /<title>My &#60;API&#62;<\/title>/);
    assert.match(scalar.text(), /src="\/api\/ref\/standalone.js"/);
    assert.match(scalar.text(), /"withDefaultFonts":false/);
    assert.equal((await TestClient.get('/api/ref/standalone.js').send(app)).status, 200);
  });
});
