import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dataFile } from '../data-file.js';
import { compileRouter } from './engine/compile.js';
import { RouteError } from './route-error.js';
import { Router } from './router.js';
import { named, prng, req, summary } from './test-helpers.js';
import type { FilterFn, Handler, Matcher } from './types.js';

test('toString prints the tree like Salvo, with filters, hoops and goals', () => {
  const h = named('fake_handler');
  const router = new Router()
    .push(
      new Router('users')
        .hoop(named('auth'))
        .push(new Router('{id}').push(new Router('emails').get(h)))
        .push(new Router('{id}/articles/{aid}').get(h).delete(h)),
    )
    .push(
      new Router('articles')
        .push(new Router('{id}/authors/{aid}').get(h).delete(h))
        .push(new Router('{id}').host('example.com').bodyLimit(1024).get(h).delete(h)),
    )
    .push(
      new Router()
        .filter(function isAdmin() {
          return true;
        })
        .goal(() => undefined),
    );
  assert.equal(
    router.toString(),
    [
      '└──!NULL!',
      '    ├──users (hoops: auth)',
      '    │   ├──{id}',
      '    │   │   └──emails',
      '    │   │       └──[GET] -> fake_handler',
      '    │   └──{id}/articles/{aid}',
      '    │       ├──[GET] -> fake_handler',
      '    │       └──[DELETE] -> fake_handler',
      '    ├──articles',
      '    │   ├──{id}/authors/{aid}',
      '    │   │   ├──[GET] -> fake_handler',
      '    │   │   └──[DELETE] -> fake_handler',
      '    │   └──{id}[host:example.com,bodyLimit:1024]',
      '    │       ├──[GET] -> fake_handler',
      '    │       └──[DELETE] -> fake_handler',
      '    └──[fn:isAdmin] -> anonymous',
      '',
    ].join('\n'),
  );
});

test('compile() freezes the tree and returns the same matcher', () => {
  const child = new Router('a');
  const root = new Router().push(child.get(named('a')));
  const m = root.compile();
  assert.equal(root.compile(), m);
  assert.throws(() => root.push(new Router('b')), RouteError);
  assert.throws(
    () => child.get(named('late')),
    (err) => err instanceof RouteError && /compiled/.test(err.message),
  );
  assert.throws(() => child.hoop(named('late')), RouteError);
  // Reading still works, and a frozen router can be pushed into a new tree.
  assert.equal(typeof root.detect(req('GET', '/a')), 'object');
  const other = new Router().push(child).compile();
  assert.notEqual(other(req('GET', '/a')), 404);
});

test('a router cannot contain itself', () => {
  const r = new Router('x');
  assert.throws(() => r.push(r), RouteError);
  const a = new Router('a');
  const b = new Router('b').push(a);
  a.push(b);
  assert.throws(() => a.compile(), /cycle/);
});

test('misuse of the builder is a RouteError', () => {
  assert.throws(() => new Router().push({} as Router), { code: 'VOLLEY_ERR_BAD_ROUTE', message: /expects a Router/ });
  assert.throws(() => new Router().filter('x' as unknown as FilterFn), { code: 'VOLLEY_ERR_BAD_ROUTE' });
});

test('bodyLimit must be a non-negative integer', () => {
  assert.throws(() => new Router().bodyLimit(-1), RouteError);
  assert.throws(() => new Router().bodyLimit(1.5), RouteError);
  new Router().bodyLimit(0);
});

test('a custom filter may call the matcher again (re-entrant lookups get their own state)', () => {
  let matcher: Matcher | undefined;
  const seen: unknown[] = [];
  const root = new Router()
    .push(
      new Router('outer/{x}')
        .filter((r) => {
          if (r.path.startsWith('/outer')) seen.push(summary(matcher!(req('GET', '/inner/7'))));
          return true;
        })
        .get(named('outer')),
    )
    .push(new Router('inner/{y}').get(named('inner')));
  matcher = root.compile();
  const m = matcher(req('GET', '/outer/1'));
  assert.ok(typeof m === 'object');
  assert.equal(m.goal.name, 'outer');
  assert.deepEqual(m.params, { x: '1' });
  assert.equal(
    (seen[0] as { params: unknown }).params && JSON.stringify((seen[0] as { params: unknown }).params),
    '{"y":"7"}',
  );
});

test('a filter that throws does not break later lookups', () => {
  const root = new Router()
    .push(
      new Router('boom').filter(() => {
        throw new Error('boom');
      }),
    )
    .push(new Router('ok').get(named('ok')));
  const m = root.compile();
  assert.throws(() => m(req('GET', '/boom')), /boom/);
  const ok = m(req('GET', '/ok'));
  assert.ok(typeof ok === 'object' && ok.goal.name === 'ok');
});

test('matches of one route share their hoops array and get fresh params objects', () => {
  const m = new Router()
    .hoop(named('h'))
    .push(new Router('u/{id}').get(named('g')))
    .compile();
  const a = m(req('GET', '/u/1'));
  const b = m(req('GET', '/u/2'));
  assert.ok(typeof a === 'object' && typeof b === 'object');
  assert.equal(a.hoops, b.hoops);
  assert.notEqual(a.params, b.params);
  assert.deepEqual([a.params, b.params], [{ id: '1' }, { id: '2' }]);
  const s1 = new Router().push(new Router('s').get(named('s'))).compile();
  const x = s1(req('GET', '/s'));
  const y = s1(req('GET', '/s'));
  assert.ok(typeof x === 'object' && typeof y === 'object');
  assert.notEqual(x, y);
  assert.notEqual(x.params, y.params);
});

// --- differential test: compiled matcher vs reference detect -------------------------

const tablePath = dataFile('github-api-routes.txt');
const table = readFileSync(process.env.ROUTES_FILE ?? tablePath, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean)
  .map((l) => {
    const [method, path] = l.split(/\s+/) as [string, string];
    return { method, path };
  });

// Routes beyond the GitHub table so that every segment kind takes part.
const extra = [
  { method: 'GET', path: '/repos/{owner}/{repo}/contents/{**path}' },
  { method: 'GET', path: '/static/{*+file}' },
  { method: 'GET', path: '/docs/{*?page}' },
  { method: 'GET', path: '/{lang|en|fr}/docs' },
  { method: 'GET', path: '/files/{name}.{ext}' },
  { method: 'GET', path: '/items/{id:num(1..=6)}' },
  { method: 'POST', path: '/items/{id:hex}' },
  { method: 'GET', path: String.raw`/avatars/{w|\d+}x{h|\d+}.png` },
  { method: 'GET', path: '/dl/v{ver}{**rest}'.replace('{ver}{', '{ver}-{') },
  { method: 'PUT', path: '/users/{user}' },
  { method: 'GET', path: '/{**catchall}' },
];

type Shape = 'flat' | 'grouped' | 'nested';

/** The same routes as three differently shaped trees; each route line gets its own goal. */
function buildTree(routes: { method: string; path: string }[], shape: Shape): Router {
  const root = new Router().hoop(named('root'));
  const goal = (i: number): Handler => named(`g${i}`);
  const add = (r: Router, method: string, h: Handler) => r[method.toLowerCase() as 'get'](h);
  if (shape === 'flat') {
    routes.forEach(({ method, path }, i) => {
      root.push(add(new Router(path), method, goal(i)));
    });
  } else if (shape === 'grouped') {
    const byPath = new Map<string, Router>();
    routes.forEach(({ method, path }, i) => {
      let r = byPath.get(path);
      if (!r) {
        r = new Router(path);
        byPath.set(path, r);
        root.push(r);
      }
      add(r, method, goal(i));
    });
  } else {
    // One router per segment, shared by routes with the same prefix (a hand-written Salvo tree).
    const kids = new Map<Router, Map<string, Router>>();
    routes.forEach(({ method, path }, i) => {
      let node = root;
      for (const seg of path.split('/').filter(Boolean)) {
        const map = kids.get(node) ?? new Map<string, Router>();
        kids.set(node, map);
        let next = map.get(seg);
        if (!next) {
          next = new Router(seg);
          if (seg === 'repos') next.hoop(named('repos-hoop')).bodyLimit(99);
          map.set(seg, next);
          node.push(next);
        }
        node = next;
      }
      add(node, method, goal(i));
    });
  }
  return root;
}

const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'];

/** Request paths: every route concretised, then random mutations of them. */
function requestsFor(routes: { method: string; path: string }[], count: number, seed: number) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const values = [
    '1',
    '42',
    'abc',
    'ff',
    'x.y',
    'v1-2',
    'en',
    'fr',
    '123x45.png',
    'a%2Fb',
    '%E7%94%A8',
    'users',
    'repos',
    'me',
  ];
  const concrete = (p: string) => p.replace(/\{[^/]*?\}(?=[^}]|$)/g, () => pick(values));
  const out: { method: string; path: string }[] = routes.map(({ method, path }) => ({ method, path: concrete(path) }));
  const words = [...new Set(routes.flatMap((r) => r.path.split('/')).filter((s) => s && !s.includes('{')))];
  while (out.length < count) {
    const base = concrete(pick(routes).path).split('/').filter(Boolean);
    switch (Math.floor(rnd() * 7)) {
      case 0:
        base.pop();
        break;
      case 1:
        base.push(pick(values));
        break;
      case 2:
        if (base.length) base[Math.floor(rnd() * base.length)] = pick(words);
        break;
      case 3:
        if (base.length) base[Math.floor(rnd() * base.length)] = pick(values);
        break;
      case 4:
        base.splice(Math.floor(rnd() * (base.length + 1)), 0, pick(words));
        break;
      default:
        break;
    }
    let path = `/${base.join('/')}`;
    if (rnd() < 0.1) path += '/';
    if (rnd() < 0.05) path = path.replace('/', '//');
    out.push({ method: pick(methods), path });
  }
  return out;
}

for (const shape of ['flat', 'grouped', 'nested'] as const) {
  for (const [label, routes] of [
    ['GitHub table', table],
    ['GitHub table + every segment kind', [...table, ...extra]],
  ] as const) {
    test(`differential (${shape} tree, ${label}): compiled matcher == reference detect`, () => {
      const router = buildTree([...routes], shape);
      const matcher = router.compile();
      // The same tree served by the interpreted walk alone (as a tree too big for generated code is).
      const interpreted = compileRouter(router, { maxSource: 0 });
      let matched = 0;
      for (const { method, path } of requestsFor([...routes], 6000, 7)) {
        const request = req(method, path);
        const want = summary(router.detect(request));
        assert.deepStrictEqual(summary(matcher(request)), want, `${method} ${path}`);
        assert.deepStrictEqual(summary(interpreted(request)), want, `interpreted: ${method} ${path}`);
        if (typeof want === 'object') matched++;
      }
      assert.ok(matched > 1000, `too few matches (${matched}) for the test to mean much`);
    });
  }
}

test('differential: every GitHub route is found with its own goal and params', () => {
  const router = buildTree(table, 'flat');
  const matcher = router.compile();
  table.forEach(({ method, path }, i) => {
    const concrete = path.replace(/\{(\w+)\}/g, '$1-v');
    const m = matcher(req(method, concrete));
    assert.ok(typeof m === 'object', `${method} ${path}: ${String(m)}`);
    // Duplicated lines in the table resolve to their first occurrence.
    const first = table.findIndex((r) => r.method === method && r.path === path);
    assert.equal(m.goal.name, `g${first}`, `${method} ${path}`);
    assert.equal(m.route, path);
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]!);
    assert.deepEqual(m.params, Object.fromEntries(names.map((n) => [n, `${n}-v`])));
    assert.ok(i >= first);
  });
});
