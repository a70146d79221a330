// examples/todo-api.ts served by a real `volley serve` process (one worker, so one in-memory list).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
  errors?: { field: string; message: string }[];
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

  test('validation errors are 422 problem details listing each field', async () => {
    const res = await call('POST', '/todos', { title: '', done: 'yes', color: 'red' });
    assert.equal(res.status, 422);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    const problem = json<Problem>(res);
    assert.equal(problem.status, 422);
    assert.equal(problem.title, 'Unprocessable Entity');
    assert.deepEqual(problem.errors, [
      { field: 'color', message: 'unknown field' },
      { field: 'title', message: 'must be a non-empty string' },
      { field: 'done', message: 'must be true or false' },
    ]);

    const missing = json<Problem>(await call('POST', '/todos', {}));
    assert.deepEqual(missing.errors, [{ field: 'title', message: 'is required' }]);

    const created = json<Todo>(await call('POST', '/todos', { title: 'valid' }));
    const badPatch = await call('PATCH', `/todos/${created.id}`, { title: 42 });
    assert.equal(badPatch.status, 422);
    assert.equal(json<Todo>(await call('GET', `/todos/${created.id}`)).title, 'valid', 'nothing was changed');
  });

  test('malformed JSON, a non-object body and another content type are 400/400/415 problem details', async () => {
    const malformed = await call('POST', '/todos', '{"title": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers['content-type'], 'application/problem+json');
    assert.match(json<Problem>(malformed).detail ?? '', /malformed JSON/);

    const array = await call('POST', '/todos', '["a"]');
    assert.equal(array.status, 400);
    assert.equal(json<Problem>(array).detail, 'the body must be a JSON object');

    const form = await call('POST', '/todos', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);

    const badQuery = await call('GET', '/todos?done=maybe');
    assert.equal(badQuery.status, 400);
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
    assert.equal((await call('POST', '/todos/1')).status, 405);
  });

  test('a body over the 16 KiB limit of /todos is a 413', async () => {
    const res = await call('POST', '/todos', { title: 'x'.repeat(20 * 1024) });
    assert.equal(res.status, 413);
  });
});
