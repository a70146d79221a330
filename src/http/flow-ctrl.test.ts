import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Router } from '../routing/index.js';
import { Depot } from './depot.js';
import type { Handler } from './handler.js';
import { Service } from './service.js';
import { TestClient } from './test-client.js';

/** A hoop that records its name in the depot's trail and lets the chain go on. */
const mark =
  (name: string): Handler =>
  (_req, _res, depot) => {
    depot.insert('trail', [...(depot.get<string[]>('trail') ?? []), name]);
  };
const trail: Handler = (_req, _res, depot) => (depot.get<string[]>('trail') ?? []).join('>');

describe('hoops and FlowCtrl', { timeout: 10_000 }, () => {
  test('hoops run root to leaf, then the goal; a sibling branch does not run', async () => {
    const app = new Router().hoop(mark('root')).push(
      new Router('a')
        .hoop(mark('a'))
        .push(new Router('b').hoop(mark('b')).hoop(mark('b2')).get(trail))
        .push(new Router('c').hoop(mark('c')).get(trail)),
    );
    assert.equal((await TestClient.get('/a/b').send(app)).text(), 'root>a>b>b2');
    assert.equal((await TestClient.get('/a/c').send(app)).text(), 'root>a>c');
  });

  test('a hoop can await callNext() and then change the response the goal built', async () => {
    // What a hoop throws becomes the response's error, so the second callNext() is recorded here
    // and asserted on after the request instead of inside the hoop.
    let secondCall: boolean | undefined;
    const app = new Router()
      .hoop(async (_req, res, _depot, ctrl) => {
        const ran = await ctrl.callNext();
        res.header('x-after', String(ran));
        res.header('x-status-seen', String(res.statusCode ?? 'unset'));
        const body = res.body;
        if (typeof body === 'string') res.setBody(body.toUpperCase());
        secondCall = await ctrl.callNext();
      })
      .push(
        new Router('x').get(async (_req, res) => {
          await new Promise((r) => setImmediate(r));
          res.status(202).text('made by goal');
        }),
      );
    const res = await TestClient.get('/x').send(app);
    assert.equal(res.status, 202);
    assert.equal(res.text(), 'MADE BY GOAL');
    assert.equal(res.header('x-after'), 'true');
    assert.equal(res.header('x-status-seen'), '202');
    assert.equal(secondCall, false, 'nothing left to run the second time');
  });

  test('a synchronous hoop calling callNext() without await: the rest still runs in order, then the response', async () => {
    const app = new Router()
      .hoop((_req, _res, _depot, ctrl) => {
        void ctrl.callNext();
      })
      .hoop(async (_req, _res, depot) => {
        await new Promise((r) => setImmediate(r));
        depot.insert('loaded', 'yes');
      })
      .push(new Router('late').get((_req, _res, depot) => `loaded: ${depot.get('loaded')}`));
    const res = await TestClient.get('/late').send(app);
    assert.equal(res.text(), 'loaded: yes');
  });

  test('skipRest stops the chain: later hoops and the goal do not run', async () => {
    let goalRan = false;
    // Recorded rather than thrown: a throw in a hoop becomes the response's error, which the
    // response already written by the first hoop might hide.
    let laterHoopRan = false;
    const app = new Router()
      .hoop((_req, res, _depot, ctrl) => {
        res.text('short-circuited');
        ctrl.skipRest();
      })
      .hoop(() => {
        laterHoopRan = true;
      })
      .goal(() => {
        goalRan = true;
      });
    const res = await TestClient.get('/').send(app);
    assert.equal(res.text(), 'short-circuited');
    assert.equal(laterHoopRan, false, 'the later hoop must not run');
    assert.equal(goalRan, false);
  });

  test('cease stops the chain and outer hoops see isCeased after callNext', async () => {
    const app = new Router()
      .hoop(async (_req, res, _depot, ctrl) => {
        await ctrl.callNext();
        res.header('x-ceased', String(ctrl.isCeased));
      })
      .hoop((_req, res, _depot, ctrl) => {
        res.status(403).text('ceased here');
        ctrl.cease();
      })
      .goal(() => 'goal');
    const res = await TestClient.get('/').send(app);
    assert.equal(res.status, 403);
    assert.equal(res.text(), 'ceased here');
    assert.equal(res.header('x-ceased'), 'true');
  });

  test('a hoop that sets an error status stamps the response: the chain stops (401)', async () => {
    let goalRan = false;
    const auth: Handler = (req, res) => {
      if (req.header('authorization') !== 'Bearer ok') res.status(401);
    };
    const app = new Router().hoop(auth).push(
      new Router('secret').get(() => {
        goalRan = true;
        return 'secret';
      }),
    );
    const denied = await TestClient.get('/secret').header('accept', 'text/plain').send(app);
    assert.equal(denied.status, 401);
    assert.equal(denied.text(), '401 Unauthorized');
    assert.equal(goalRan, false);

    const allowed = await TestClient.get('/secret').header('authorization', 'Bearer ok').send(app);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.text(), 'secret');
    assert.equal(goalRan, true);
  });

  test('a redirect in a hoop stamps the response too', async () => {
    const app = new Router()
      .hoop((_req, res) => {
        res.redirect('/login', 303);
      })
      .goal(() => 'never');
    const res = await TestClient.get('/').send(app);
    assert.equal(res.status, 303);
    assert.equal(res.header('location'), '/login');
  });
});

describe('Service hoops', { timeout: 10_000 }, () => {
  /** A CORS-like hoop: answers preflight itself, adds the header to everything else. */
  const cors: Handler = async (req, res, _depot, ctrl) => {
    res.header('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.header('access-control-allow-methods', 'GET, POST');
      res.status(204);
      ctrl.skipRest();
      return;
    }
    await ctrl.callNext();
  };

  test('run on 404 and 405, so an OPTIONS preflight for a GET-only route is answered', async () => {
    const routerHoopRan: string[] = [];
    const router = new Router()
      .hoop((req) => {
        routerHoopRan.push(req.path);
      })
      .push(new Router('items').get(() => ['a', 'b']));
    const service = new Service(router).hoop(cors);

    const preflight = await TestClient.options('/items').send(service);
    assert.equal(preflight.status, 204);
    assert.equal(preflight.header('access-control-allow-methods'), 'GET, POST');
    assert.equal(preflight.header('access-control-allow-origin'), '*');

    const get = await TestClient.get('/items').send(service);
    assert.equal(get.status, 200);
    assert.equal(get.header('access-control-allow-origin'), '*');

    const notAllowed = await TestClient.post('/items').send(service);
    assert.equal(notAllowed.status, 405);
    assert.equal(notAllowed.header('access-control-allow-origin'), '*');

    const missing = await TestClient.get('/nothing-here').send(service);
    assert.equal(missing.status, 404);
    assert.equal(missing.header('access-control-allow-origin'), '*');

    // Router hoops only run for matched routes.
    assert.deepEqual(routerHoopRan, ['/items']);
  });

  test('service hoops run before router hoops', async () => {
    const router = new Router().hoop(mark('router')).goal(trail);
    const service = new Service(router).hoop(mark('service1')).hoop(mark('service2'));
    assert.equal((await TestClient.get('/').send(service)).text(), 'service1>service2>router');
  });

  test('Service.hoop after the first request throws', async () => {
    const service = new Service(new Router().goal(() => 'x'));
    await TestClient.get('/').send(service);
    assert.throws(() => service.hoop(() => undefined), {
      code: 'VOLLEY_ERR_ALREADY_STARTED',
      message: /before the service handles requests/,
    });
  });
});

describe('Depot', () => {
  class User {
    constructor(readonly name: string) {}
  }
  class Admin extends User {}

  test('by string key and by class key, per request', async () => {
    const app = new Router()
      .hoop((req, _res, depot) => {
        depot.insert('requestId', req.header('x-id'));
        depot.inject(new User('ada'));
      })
      .goal((_req, _res, depot) => ({
        id: depot.get<string>('requestId'),
        user: depot.obtain(User)?.name,
        admin: depot.obtain(Admin)?.name ?? null,
        size: depot.size,
      }));
    assert.deepEqual((await TestClient.get('/').header('x-id', 'r1').send(app)).json(), {
      id: 'r1',
      user: 'ada',
      admin: null,
      size: 2,
    });
    assert.deepEqual((await TestClient.get('/').header('x-id', 'r2').send(app)).json(), {
      id: 'r2',
      user: 'ada',
      admin: null,
      size: 2,
    });
  });

  test('has, remove, replace, and an unused depot is empty', () => {
    const depot = new Depot();
    assert.equal(depot.size, 0);
    assert.equal(depot.get('x'), undefined);
    assert.equal(depot.obtain(User), undefined);
    depot.insert('x', 1).insert('x', 2);
    assert.equal(depot.get('x'), 2);
    depot.inject(new User('a')).inject(new User('b'));
    assert.equal(depot.obtain(User)?.name, 'b');
    depot.inject(new Admin('root'));
    assert.equal(depot.obtain(Admin)?.name, 'root');
    assert.equal(depot.obtain(User)?.name, 'b', 'a subclass is its own key');
    assert.equal(depot.has('x'), true);
    assert.equal(depot.has(User), true);
    assert.equal(depot.remove(User)?.name, 'b');
    assert.equal(depot.has(User), false);
    assert.equal(depot.remove<number>('x'), 2);
    assert.equal(depot.size, 1);
  });
});
