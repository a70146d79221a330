// examples/todo-api.ts served by a real `volley serve` process (one worker, so one in-memory list).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { freePort } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { request, type SimpleResponse } from '../helpers/raw-http.js';
import { VolleyProcess } from '../helpers/volley-process.js';

interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdAt: string;
  updatedAt: string;
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { in: string; path: string; message: string }[];
}

describe('examples/todo-api.ts', { timeout: 90_000 }, () => {
  let volley: VolleyProcess;
  let port = 0;

  before(async () => {
    port = await freePort();
    volley = new VolleyProcess([
      'serve',
      join(repoRoot, 'examples', 'todo-api.ts'),
      '--workers',
      '1',
      '--listen',
      `127.0.0.1:${port}`,
    ]);
    await volley.ready(45_000);
  });
  after(() => volley.dispose());

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    request({ port }, path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const json = <T>(res: SimpleResponse): T => JSON.parse(res.body) as T;

  test('create, get, list, update, patch, delete', async () => {
    const created = await call('POST', '/todos', { title: '  write docs  ' });
    assert.equal(created.status, 201, created.body);
    const todo = json<Todo>(created);
    assert.equal(todo.title, 'write docs');
    assert.equal(todo.done, false);
    assert.equal(created.headers.location, `/todos/${todo.id}`);

    const second = json<Todo>(await call('POST', '/todos', { title: 'ship it', done: true }));
    assert.equal(second.done, true);
    assert.notEqual(second.id, todo.id);

    const got = await call('GET', `/todos/${todo.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(json<Todo>(got), todo);

    const all = json<Todo[]>(await call('GET', '/todos'));
    assert.deepEqual(
      all.map((t) => t.id),
      [todo.id, second.id],
    );
    const open = json<Todo[]>(await call('GET', '/todos?done=false'));
    assert.deepEqual(
      open.map((t) => t.id),
      [todo.id],
    );

    const replaced = await call('PUT', `/todos/${todo.id}`, { title: 'write better docs', done: true });
    assert.equal(replaced.status, 200, replaced.body);
    assert.equal(json<Todo>(replaced).title, 'write better docs');
    assert.equal(json<Todo>(replaced).done, true);

    const patched = await call('PATCH', `/todos/${todo.id}`, { done: false });
    assert.equal(patched.status, 200, patched.body);
    assert.equal(json<Todo>(patched).title, 'write better docs');
    assert.equal(json<Todo>(patched).done, false);

    const deleted = await call('DELETE', `/todos/${todo.id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, '');
    assert.equal((await call('GET', `/todos/${todo.id}`)).status, 404);
    assert.equal((await call('DELETE', `/todos/${todo.id}`)).status, 404);
  });

  test('invalid input is a 400 problem naming each field, and changes nothing', async () => {
    const res = await call('POST', '/todos', { title: '', done: 'yes', color: 'red' });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    const problem = json<Problem>(res);
    assert.equal(problem.status, 400);
    assert.equal(problem.title, 'Bad Request');
    assert.deepEqual(
      problem.errors?.map((e) => `${e.in}:${e.path}`),
      ['body:title', 'body:done', 'body:'],
    );
    assert.match(problem.errors?.[2]?.message ?? '', /color/);

    const missing = json<Problem>(await call('POST', '/todos', {}));
    assert.deepEqual(
      missing.errors?.map((e) => `${e.in}:${e.path}`),
      ['body:title'],
    );

    const created = json<Todo>(await call('POST', '/todos', { title: 'valid' }));
    const badPatch = await call('PATCH', `/todos/${created.id}`, { title: 42 });
    assert.equal(badPatch.status, 400);
    assert.equal(json<Todo>(await call('GET', `/todos/${created.id}`)).title, 'valid', 'nothing was changed');
  });

  test('query and path params are coerced; a bad one is named', async () => {
    const created = json<Todo>(await call('POST', '/todos', { title: 'coerce me', done: true }));
    const done = json<Todo[]>(await call('GET', '/todos?done=true'));
    assert.ok(done.some((t) => t.id === created.id));
    assert.ok(done.every((t) => t.done));
    const badQuery = await call('GET', '/todos?done=maybe');
    assert.equal(badQuery.status, 400);
    assert.deepEqual(
      json<Problem>(badQuery).errors?.map((e) => `${e.in}:${e.path}`),
      ['query:done'],
    );
    // Too large for an integer: the route's {id:num} matched, the params schema refuses it.
    const badParam = await call('GET', `/todos/${'9'.repeat(400)}`);
    assert.equal(badParam.status, 400);
    assert.deepEqual(
      json<Problem>(badParam).errors?.map((e) => `${e.in}:${e.path}`),
      ['path:id'],
    );
  });

  test('malformed JSON is a 400 naming the body; another content type a 415', async () => {
    const malformed = await call('POST', '/todos', '{"title": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers['content-type'], 'application/problem+json');
    assert.equal(json<Problem>(malformed).errors?.[0]?.in, 'body');
    assert.match(json<Problem>(malformed).errors?.[0]?.message ?? '', /malformed JSON/);

    const array = await call('POST', '/todos', '["a"]');
    assert.equal(array.status, 400);

    const form = await call('POST', '/todos', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
  });

  test('/openapi.json is a valid OpenAPI 3.1 document, the same as the checked-in snapshot', async () => {
    const res = await call('GET', '/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const doc = json<Record<string, unknown>>(res);
    // swagger-parser resolves $refs in place: give it a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
    const snapshot = join(repoRoot, 'test', 'examples', 'todo-api.openapi.json');
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(snapshot, `${JSON.stringify(doc, null, 2)}\n`);
    assert.deepEqual(doc, JSON.parse(readFileSync(snapshot, 'utf8')));
    const paths = doc.paths as Record<string, Record<string, { operationId: string }>>;
    assert.deepEqual(Object.keys(paths), ['/todos', '/todos/{id}']);
    assert.deepEqual(Object.keys(paths['/todos/{id}']!), ['get', 'put', 'delete', 'patch']);
  });

  test('404s: unknown id, a non-numeric id, an unknown path; 405 for a wrong method', async () => {
    const unknown = await call('GET', '/todos/999999');
    assert.equal(unknown.status, 404);
    assert.deepEqual(json<Problem>(unknown), {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'no todo with id 999999',
    });
    assert.equal((await call('GET', '/todos/abc')).status, 404);
    assert.equal((await call('GET', '/nothing')).status, 404);
    const wrongMethod = await call('POST', '/todos/1');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'GET, HEAD, PUT, PATCH, DELETE');
  });

  test('a body over the 16 KiB limit of /todos is a 413', async () => {
    const res = await call('POST', '/todos', { title: 'x'.repeat(20 * 1024) });
    assert.equal(res.status, 413);
  });
});
