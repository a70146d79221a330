import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { VolleyError } from '../errors.js';
import { Router } from '../routing/index.js';
import { Catcher } from './catcher.js';
import type { Request } from './request.js';
import { Service } from './service.js';
import { StatusError } from './status-error.js';
import { TestClient } from './test-client.js';

/** A Service whose logged errors are collected instead of printed. */
function serviceWith(router: Router, options: { development?: boolean; catcher?: Catcher } = {}) {
  const logged: { err: unknown; path: string }[] = [];
  const service = new Service(router, {
    development: options.development ?? false,
    logError: (err: unknown, req: Request) => logged.push({ err, path: req.path }),
  });
  if (options.catcher) service.catcher(options.catcher);
  return { service, logged };
}

function appRouter(): Router {
  const app = new Router();
  app.push(
    new Router('boom').get(() => {
      throw new Error('database password is hunter2');
    }),
  );
  app.push(new Router('reject').get(() => Promise.reject(new Error('async failure'))));
  app.push(
    new Router('teapot').get(() => {
      throw new StatusError(418, 'short and stout');
    }),
  );
  app.push(
    new Router('invalid').post(() => {
      throw StatusError.unprocessableEntity('name is required');
    }),
  );
  app.push(
    new Router('unavailable').get(() => {
      throw StatusError.serviceUnavailable('maintenance');
    }),
  );
  app.push(
    new Router('half-written').get((_req, res) => {
      res.json({ partial: true });
      throw new Error('failed after writing');
    }),
  );
  app.push(
    new Router('half-streamed').get((_req, res) => {
      res.stream(Readable.from(['never sent']));
      throw new Error('failed after choosing a stream');
    }),
  );
  app.push(
    new Router('throws-string').get(() => {
      throw 'not an Error';
    }),
  );
  app.push(
    new Router('head-page').goal((_req, res) => {
      res.header('x-page', 'yes');
      return 'a body HEAD must not get';
    }),
  );
  app.push(
    new Router('filtered')
      .filter(() => {
        throw new Error('filter exploded');
      })
      .get(() => 'unreachable'),
  );
  return app;
}

describe('Catcher negotiation', { timeout: 10_000 }, () => {
  const { service } = serviceWith(appRouter());

  test('no Accept (or */*) gives plain text', async () => {
    const res = await TestClient.get('/missing').send(service);
    assert.equal(res.status, 404);
    assert.equal(res.header('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.text(), '404 Not Found');
    const any = await TestClient.get('/missing').header('accept', '*/*').send(service);
    assert.equal(any.text(), '404 Not Found');
  });

  test('a browser Accept gives an HTML page', async () => {
    const res = await TestClient.get('/missing')
      .header('accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')
      .send(service);
    assert.equal(res.status, 404);
    assert.equal(res.header('content-type'), 'text/html; charset=utf-8');
    assert.match(res.text(), /^<!DOCTYPE html>/);
    assert.match(res.text(), /<title>404 Not Found<\/title>/);
  });

  test('Accept: application/json gives Volley JSON', async () => {
    const res = await TestClient.get('/missing').header('accept', 'application/json').send(service);
    assert.equal(res.header('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(res.json(), { error: { code: 404, name: 'Not Found' } });
  });

  test('Accept: application/problem+json gives RFC 9457 problem details', async () => {
    const res = await TestClient.post('/invalid').header('accept', 'application/problem+json').send(service);
    assert.equal(res.status, 422);
    assert.equal(res.header('content-type'), 'application/problem+json');
    assert.deepEqual(res.json(), {
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'name is required',
    });
  });

  test('new Catcher({ problemJson: true }) answers application/json with problem+json', async () => {
    const { service: problems } = serviceWith(appRouter(), { catcher: new Catcher({ problemJson: true }) });
    const res = await TestClient.get('/missing').header('accept', 'application/json').send(problems);
    assert.equal(res.header('content-type'), 'application/problem+json');
    assert.deepEqual(res.json(), { type: 'about:blank', title: 'Not Found', status: 404 });
  });

  test('HTML escapes the detail', async () => {
    const router = new Router().goal(() => {
      throw StatusError.badRequest('<script>alert(1)</script>');
    });
    const res = await TestClient.get('/').header('accept', 'text/html').send(router);
    assert.equal(res.status, 400);
    assert.ok(!res.text().includes('<script>'));
    assert.match(res.text(), /&#60;script&#62;/);
  });

  test('405 for a path that matched without its method', async () => {
    const res = await TestClient.delete('/boom').send(service);
    assert.equal(res.status, 405);
    assert.equal(res.text(), '405 Method Not Allowed');
  });
});

describe('errors thrown by handlers', { timeout: 10_000 }, () => {
  test('a thrown Error is a 500; the stack is logged, not sent', async () => {
    const { service, logged } = serviceWith(appRouter());
    const res = await TestClient.get('/boom').header('accept', 'application/json').send(service);
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { error: { code: 500, name: 'Internal Server Error' } });
    assert.ok(!res.text().includes('hunter2'));
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.path, '/boom');
    assert.match((logged[0]!.err as Error).stack ?? '', /database password is hunter2\n\s+at /);
  });

  test('with development: true the stack is sent too', async () => {
    const { service, logged } = serviceWith(appRouter(), { development: true });
    const res = await TestClient.get('/boom').send(service);
    assert.equal(res.status, 500);
    assert.match(res.text(), /^500 Internal Server Error: Error: database password is hunter2\n\s+at /);
    assert.equal(logged.length, 1);
  });

  test('a rejected promise is a 500 and is logged', async () => {
    const { service, logged } = serviceWith(appRouter());
    const res = await TestClient.get('/reject').send(service);
    assert.equal(res.status, 500);
    assert.equal(res.text(), '500 Internal Server Error');
    assert.equal((logged[0]!.err as Error).message, 'async failure');
  });

  test('a thrown non-Error is a 500 and is logged', async () => {
    const { service, logged } = serviceWith(appRouter());
    const res = await TestClient.get('/throws-string').send(service);
    assert.equal(res.status, 500);
    assert.equal(logged[0]!.err, 'not an Error');
  });

  test('a thrown StatusError answers with its status and detail; 4xx are not logged, 5xx are', async () => {
    const { service, logged } = serviceWith(appRouter());
    const teapot = await TestClient.get('/teapot').send(service);
    assert.equal(teapot.status, 418);
    assert.equal(teapot.text(), "418 I'm a Teapot: short and stout");
    assert.equal(logged.length, 0);

    const unavailable = await TestClient.get('/unavailable').header('accept', 'application/json').send(service);
    assert.equal(unavailable.status, 503);
    assert.deepEqual(unavailable.json(), { error: { code: 503, name: 'Service Unavailable', detail: 'maintenance' } });
    assert.equal(logged.length, 1);
  });

  test('what a handler rendered before it threw is replaced by the error page', async () => {
    const { service } = serviceWith(appRouter());
    const json = await TestClient.get('/half-written').send(service);
    assert.equal(json.status, 500);
    assert.equal(json.header('content-type'), 'text/plain; charset=utf-8');
    assert.equal(json.text(), '500 Internal Server Error');
    const stream = await TestClient.get('/half-streamed').send(service);
    assert.equal(stream.status, 500);
    assert.equal(stream.text(), '500 Internal Server Error');
  });

  test('a custom filter that throws is a 500, not a crash', async () => {
    const { service, logged } = serviceWith(appRouter());
    const res = await TestClient.get('/filtered').send(service);
    assert.equal(res.status, 500);
    assert.equal((logged[0]!.err as Error).message, 'filter exploded');
    // And the service keeps answering.
    assert.equal((await TestClient.get('/missing').send(service)).status, 404);
  });

  test('HEAD gets the headers of the response and no body', async () => {
    const { service } = serviceWith(appRouter());
    const res = await TestClient.head('/head-page').send(service);
    assert.equal(res.status, 200);
    assert.equal(res.header('x-page'), 'yes');
    assert.equal(res.header('content-length'), String('a body HEAD must not get'.length));
    assert.equal(res.body.length, 0);
    const missing = await TestClient.head('/missing').send(service);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.length, 0);
  });
});

describe('custom Catcher hoops', { timeout: 10_000 }, () => {
  test('a hoop renders its own page for some statuses and leaves the rest to the default', async () => {
    const catcher = new Catcher().hoop((_req, res, _depot, ctrl) => {
      if (res.statusCode === 404) {
        res.html('<h1>Lost?</h1>');
        ctrl.skipRest();
      }
    });
    const { service } = serviceWith(appRouter(), { catcher });
    const lost = await TestClient.get('/missing').send(service);
    assert.equal(lost.status, 404);
    assert.equal(lost.text(), '<h1>Lost?</h1>');
    const boom = await TestClient.get('/boom').send(service);
    assert.equal(boom.status, 500);
    assert.equal(boom.text(), '500 Internal Server Error');
  });

  test('an async hoop can use the depot and the error', async () => {
    const catcher = new Catcher().hoop(async (_req, res) => {
      await new Promise((r) => setImmediate(r));
      res.json({ oops: res.statusCode, detail: res.error?.detail ?? null });
    });
    const { service } = serviceWith(appRouter(), { catcher });
    const res = await TestClient.get('/teapot').send(service);
    assert.equal(res.status, 418);
    assert.deepEqual(res.json(), { oops: 418, detail: 'short and stout' });
  });

  test('a hoop that throws is logged and the default page is rendered', async () => {
    const catcher = new Catcher().hoop(() => {
      throw new Error('catcher broke');
    });
    const { service, logged } = serviceWith(appRouter(), { catcher });
    const res = await TestClient.get('/missing').send(service);
    assert.equal(res.status, 404);
    assert.equal(res.text(), '404 Not Found');
    assert.equal((logged[0]!.err as Error).message, 'catcher broke');
  });

  test('the catcher does not touch successful responses', async () => {
    let ran = false;
    const catcher = new Catcher().hoop(() => {
      ran = true;
    });
    const { service } = serviceWith(
      new Router().goal(() => 'fine'),
      { catcher },
    );
    assert.equal((await TestClient.get('/').send(service)).text(), 'fine');
    assert.equal(ran, false);
  });
});

describe('StatusError', () => {
  test('status, brief, detail, code and a message that says all', () => {
    const err = StatusError.notFound('no user 7');
    assert.equal(err.status, 404);
    assert.equal(err.brief, 'Not Found');
    assert.equal(err.detail, 'no user 7');
    assert.equal(err.code, 'VOLLEY_ERR_STATUS');
    assert.equal(err.message, '404 Not Found: no user 7');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof VolleyError);
    assert.equal(err.name, 'StatusError');
    assert.throws(() => new StatusError(200), RangeError);
    assert.throws(() => new StatusError(600), RangeError);
    assert.equal(new StatusError(499, undefined, { brief: 'Client Closed' }).message, '499 Client Closed');
  });
});
