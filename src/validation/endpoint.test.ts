import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import * as v from 'valibot';
import * as z from 'zod';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/router.js';
import { endpoint } from './endpoint.js';
import type { ValidationProblem } from './problem.js';

function problem(res: { status: number; header(n: string): string | undefined; json(): unknown }): ValidationProblem {
  assert.equal(res.header('content-type'), 'application/problem+json');
  return res.json() as ValidationProblem;
}

// The same endpoint written with each schema library: every one must validate, coerce and
// apply defaults the same way, and name the same fields when the input is wrong.
const libraries = {
  zod: {
    params: z.object({ id: z.coerce.number().int().min(1) }),
    query: z.object({ limit: z.coerce.number().int().default(10), tag: z.array(z.string()).optional() }),
    body: z.object({ title: z.string().min(1), done: z.boolean().default(false) }),
  },
  valibot: {
    params: v.object({ id: v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1)) }),
    query: v.object({
      limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer()), '10'),
      tag: v.optional(v.array(v.string())),
    }),
    body: v.object({ title: v.pipe(v.string(), v.minLength(1)), done: v.optional(v.boolean(), false) }),
  },
  arktype: {
    params: type({ id: type('string.integer.parse').to('number >= 1') }),
    query: type({ limit: type('string.integer.parse').default('10'), 'tag?': 'string[]' }),
    body: type({ title: 'string > 0', done: type('boolean').default(false) }),
  },
  typebox: {
    params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
    query: Type.Object({ limit: Type.Integer({ default: 10 }), tag: Type.Optional(Type.Array(Type.String())) }),
    body: Type.Object({ title: Type.String({ minLength: 1 }), done: Type.Boolean({ default: false }) }),
  },
  jsonSchema: {
    params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
    query: {
      type: 'object',
      properties: { limit: { type: 'integer', default: 10 }, tag: { type: 'array', items: { type: 'string' } } },
    },
    body: {
      type: 'object',
      properties: { title: { type: 'string', minLength: 1 }, done: { type: 'boolean', default: false } },
      required: ['title'],
    },
  },
};

for (const [name, schemas] of Object.entries(libraries)) {
  describe(`endpoint() with ${name}`, () => {
    let ran = 0;
    const app = new Router('todos/{id}').post(
      endpoint(schemas, (req) => {
        ran++;
        return { params: req.valid.params, query: req.valid.query, body: req.valid.body };
      }),
    );

    test('valid input reaches the handler parsed, coerced, with defaults', async () => {
      const res = await TestClient.post('/todos/7?tag=a&tag=b').json({ title: 'x' }).send(app);
      assert.equal(res.status, 200, res.text());
      assert.deepEqual(res.json(), {
        params: { id: 7 },
        query: { limit: 10, tag: ['a', 'b'] },
        body: { title: 'x', done: false },
      });
    });

    test('a bad path param, query and body are all reported, and the handler does not run', async () => {
      const before = ran;
      const res = await TestClient.post('/todos/0?limit=many').json({ title: '', done: 'yes' }).send(app);
      assert.equal(res.status, 400);
      const p = problem(res);
      assert.equal(p.status, 400);
      assert.equal(p.title, 'Bad Request');
      const fields = p.errors.map((e) => `${e.in}:${e.path}`).sort();
      assert.deepEqual(fields, ['body:done', 'body:title', 'path:id', 'query:limit']);
      for (const e of p.errors) assert.ok(e.message.length > 0);
      assert.equal(ran, before);
    });

    test('a missing required field is named', async () => {
      const res = await TestClient.post('/todos/1').json({}).send(app);
      assert.equal(res.status, 400);
      assert.deepEqual(
        problem(res).errors.map((e) => `${e.in}:${e.path}`),
        ['body:title'],
      );
    });
  });
}

describe('endpoint() bodies', () => {
  const Body = z.object({ n: z.coerce.number() });
  const app = new Router()
    .push(new Router('json').post(endpoint({ body: Body }, (req) => req.valid.body)))
    .push(
      new Router('form').post(
        endpoint(
          {
            body: Type.Object({ n: Type.Integer(), tags: Type.Array(Type.String()) }),
            bodyTypes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
          },
          (req) => req.valid.body,
        ),
      ),
    )
    .push(
      new Router('optional').post(
        endpoint({ body: z.object({ a: z.number() }).optional() }, (req) => ({ body: req.valid.body ?? null })),
      ),
    );

  test('malformed JSON is a 400 problem naming the body', async () => {
    const res = await TestClient.post('/json').header('content-type', 'application/json').body('{"n":').send(app);
    assert.equal(res.status, 400);
    const [err] = problem(res).errors;
    assert.equal(err?.in, 'body');
    assert.match(err!.message, /malformed JSON/);
  });

  test('another content type is a 415', async () => {
    const res = await TestClient.post('/json').text('n=1').send(app);
    assert.equal(res.status, 415);
  });

  test('+json media types are JSON', async () => {
    const res = await TestClient.post('/json')
      .header('content-type', 'application/merge-patch+json')
      .body('{"n":"4"}')
      .send(app);
    assert.deepEqual(res.json(), { n: 4 });
  });

  test('an urlencoded form is coerced by a JSON Schema; a repeated field is an array', async () => {
    const res = await TestClient.post('/form')
      .body('n=3&tags=a&tags=b')
      .header('content-type', 'application/x-www-form-urlencoded')
      .send(app);
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), { n: 3, tags: ['a', 'b'] });
  });

  test('a multipart form gives its fields and its uploaded files by field name', async () => {
    const upload = new Router('upload').post(
      endpoint(
        {
          body: z.object({
            name: z.string(),
            avatar: z.object({ fileName: z.string(), size: z.number(), path: z.string() }),
          }),
          bodyTypes: ['multipart/form-data'],
        },
        (req) => ({
          name: req.valid.body.name,
          file: req.valid.body.avatar.fileName,
          size: req.valid.body.avatar.size,
        }),
      ),
    );
    const boundary = 'volleyboundary';
    const multipart = [
      `--${boundary}`,
      'content-disposition: form-data; name="name"',
      '',
      'ana',
      `--${boundary}`,
      'content-disposition: form-data; name="avatar"; filename="a.png"',
      'content-type: image/png',
      '',
      'PNGDATA',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await TestClient.post('/upload')
      .header('content-type', `multipart/form-data; boundary=${boundary}`)
      .body(multipart)
      .send(upload);
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), { name: 'ana', file: 'a.png', size: 7 });
    const missing = await TestClient.post('/upload')
      .header('content-type', `multipart/form-data; boundary=${boundary}`)
      .body(
        [`--${boundary}`, 'content-disposition: form-data; name="name"', '', 'ana', `--${boundary}--`, ''].join('\r\n'),
      )
      .send(upload);
    assert.equal(missing.status, 400);
    assert.deepEqual(
      problem(missing).errors.map((e) => `${e.in}:${e.path}`),
      ['body:avatar'],
    );
  });

  test('JSON is refused where only forms are accepted', async () => {
    const res = await TestClient.post('/form').json({ n: 1, tags: [] }).send(app);
    assert.equal(res.status, 415);
  });

  test('no body validates undefined, which an optional schema accepts', async () => {
    const res = await TestClient.post('/optional').send(app);
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), { body: null });
  });

  test('a JSON body is not coerced by a JSON Schema', async () => {
    const strict = new Router('s').post(
      endpoint({ body: Type.Object({ n: Type.Integer() }) }, (req) => req.valid.body),
    );
    const res = await TestClient.post('/s').json({ n: '3' }).send(strict);
    assert.equal(res.status, 400);
    assert.equal(problem(res).errors[0]?.path, 'n');
  });
});

describe('endpoint() headers and async schemas', () => {
  test('headers are validated by their lowercase names', async () => {
    const app = new Router('h').get(
      endpoint({ headers: z.object({ 'x-version': z.enum(['1', '2']) }) }, (req) => req.valid.headers['x-version']),
    );
    assert.equal((await TestClient.get('/h').header('X-Version', '2').send(app)).text(), '2');
    const bad = await TestClient.get('/h').header('X-Version', '3').send(app);
    assert.equal(bad.status, 400);
    assert.deepEqual(
      problem(bad).errors.map((e) => `${e.in}:${e.path}`),
      ['header:x-version'],
    );
  });

  test('an async refinement is awaited', async () => {
    const taken = z.object({ name: z.string().refine(async (n) => n !== 'admin', 'is taken') });
    const app = new Router('u').post(endpoint({ body: taken }, (req) => req.valid.body.name));
    assert.equal((await TestClient.post('/u').json({ name: 'ana' }).send(app)).text(), 'ana');
    const bad = await TestClient.post('/u').json({ name: 'admin' }).send(app);
    assert.equal(problem(bad).errors[0]?.message, 'is taken');
  });
});

describe('endpoint() response validation', () => {
  const Todo = z.object({ id: z.number(), title: z.string() });
  const make = (validateResponses: boolean) =>
    new Router()
      .push(
        new Router('ok').get(endpoint({ responses: { 200: Todo }, validateResponses }, () => ({ id: 1, title: 't' }))),
      )
      .push(new Router('bad').get(endpoint({ responses: { 200: Todo }, validateResponses }, () => ({ id: 'one' }))))
      .push(
        new Router('written').get(
          endpoint({ responses: { 201: { description: 'made', schema: Todo } }, validateResponses }, (_req, res) => {
            res.status(201).json({ id: 1 });
          }),
        ),
      );

  test('off by default: a wrong response goes out as it is', async () => {
    const res = await TestClient.get('/bad').send(make(false));
    assert.deepEqual(res.json(), { id: 'one' });
  });

  test('on: a fitting response passes, a wrong one (returned or written) is a 500 listing the errors', async () => {
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      const app = make(true);
      assert.deepEqual((await TestClient.get('/ok').send(app)).json(), { id: 1, title: 't' });
      const bad = await TestClient.get('/bad').send(app);
      assert.equal(bad.status, 500);
      assert.deepEqual(
        problem(bad)
          .errors.map((e) => `${e.in}:${e.path}`)
          .sort(),
        ['response:id', 'response:title'],
      );
      const written = await TestClient.get('/written').send(app);
      assert.equal(written.status, 500);
      assert.deepEqual(
        problem(written).errors.map((e) => `${e.in}:${e.path}`),
        ['response:title'],
      );
    } finally {
      console.error = original;
    }
    assert.equal(logged.length, 2);
  });
});

describe('endpoint() setup errors', () => {
  test('something that is not a schema is refused at endpoint() time, with a code', () => {
    assert.throws(
      () => endpoint({ body: 'string' as never }, () => undefined),
      (err: Error & { code?: string }) => err.code === 'VOLLEY_ERR_SCHEMA' && /endpoint body/.test(err.message),
    );
  });

  test('a JSON Schema ajv cannot compile is refused at endpoint() time', () => {
    assert.throws(
      () => endpoint({ query: { type: 'object', properties: { a: { $ref: '#/nowhere' } } } }, () => undefined),
      (err: Error & { code?: string }) => err.code === 'VOLLEY_ERR_SCHEMA' && /does not compile/.test(err.message),
    );
  });
});
