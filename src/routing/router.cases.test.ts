/**
 * The routing case table, in the spirit of Hono's common.case.test.ts: each case builds
 * a router and lists requests with the expected answer. Every request is answered by
 * both the compiled matcher and the reference detect (Salvo's algorithm written
 * plainly), which must agree with each other and with the table.
 */
import { test } from 'node:test';
import { Router } from './router.js';
import { type Expected, expectMatch, named, req } from './test-helpers.js';

type Row =
  | [method: string, path: string, expected: 404 | 405 | Expected]
  | [string, string, 404 | 405 | Expected, string];

interface Case {
  name: string;
  build: () => Router;
  requests: Row[];
}

const h = named;
const GET = 'GET';

const cases: Case[] = [
  // --- literals, slashes, decoding -------------------------------------------------
  {
    name: 'literal segments; trailing and repeated slashes are ignored; case-sensitive',
    build: () => new Router().push(new Router('/users/list').get(h('list'))),
    requests: [
      [GET, '/users/list', { goal: 'list', params: {}, route: '/users/list' }],
      [GET, '/users/list/', { goal: 'list' }],
      [GET, '//users///list//', { goal: 'list' }],
      [GET, 'users/list', { goal: 'list' }],
      [GET, '/Users/list', 404],
      [GET, '/users/lis', 404],
      [GET, '/users/listing', 404],
      [GET, '/users/list/x', 404],
    ],
  },
  {
    // The compiled matcher finds a segment's end from the literal it matches when it can
    // (path-segments.ts): a literal that is a prefix of the segment, or of another
    // literal, must not match, and slashes around it must not count.
    name: 'literals sharing a prefix or first char; slashes around lazily found segments',
    build: () =>
      new Router()
        .push(new Router('user/repos').get(h('user-repos')))
        .push(new Router('user').get(h('user')))
        .push(new Router('users/{name}').get(h('users')))
        .push(new Router('users/{name}/repos/{repo}').get(h('users-repos')))
        .push(new Router('usable').get(h('usable')))
        .push(new Router('u/{a}/{b}/x').get(h('u'))),
    requests: [
      [GET, '/user', { goal: 'user', params: {} }],
      [GET, '/user/repos', { goal: 'user-repos' }],
      [GET, '/users', 404],
      [GET, '/users/ann', { goal: 'users', params: { name: 'ann' }, route: '/users/{name}' }],
      [GET, '//users//ann//', { goal: 'users', params: { name: 'ann' } }],
      [GET, '/users/ann/repos/r1', { goal: 'users-repos', params: { name: 'ann', repo: 'r1' } }],
      [GET, '/users///ann/repos///r1/', { goal: 'users-repos', params: { name: 'ann', repo: 'r1' } }],
      [GET, '/users/ann/repos', 404],
      [GET, '/users/ann/repo/r1', 404],
      [GET, '/usersx/ann', 404],
      [GET, '/usable', { goal: 'usable' }],
      [GET, '/usabl', 404],
      [GET, '/us%65rs/ann', { goal: 'users', params: { name: 'ann' } }],
      [GET, '/users/a%2Fb/repos/r', { goal: 'users-repos', params: { name: 'a/b', repo: 'r' } }],
      [GET, '/u/1/2/x', { goal: 'u', params: { a: '1', b: '2' } }],
      [GET, '/u/1//2/x/', { goal: 'u', params: { a: '1', b: '2' } }],
      [GET, '/u/1/2', 404],
      [GET, '/u/1/2/y', 404],
      [GET, '/u/1/2/x/y', 404],
      ['POST', '/users/ann', 405],
      // The root (no goal) consumes an empty path: the path ended without a goal, as in Salvo.
      [GET, '/', 405],
      [GET, '', 405],
      [GET, '///', 405],
    ],
  },
  {
    name: 'segments are percent-decoded after splitting (%2F stays inside a param)',
    build: () =>
      new Router()
        .push(new Router('api/{p}').get(h('api')))
        .push(new Router('用户/{id}').get(h('cn')))
        .push(new Router('a b/c').get(h('space'))),
    requests: [
      [GET, '/api/a%2fb%2fc', { goal: 'api', params: { p: 'a/b/c' } }],
      [GET, '/api/a%2Fb', { goal: 'api', params: { p: 'a/b' } }],
      [GET, '/api/a/b', 404],
      [GET, '/%E7%94%A8%E6%88%B7/7', { goal: 'cn', params: { id: '7' } }],
      [GET, '/a%20b/c', { goal: 'space' }],
      // A malformed escape is kept as written; bytes that are not UTF-8 become U+FFFD.
      [GET, '/api/100%', { goal: 'api', params: { p: '100%' } }],
      [GET, '/api/%zz', { goal: 'api', params: { p: '%zz' } }],
      [GET, '/api/%ff', { goal: 'api', params: { p: '\uFFFD' } }],
      [GET, '/api/%e4%b8', { goal: 'api', params: { p: '\uFFFD' } }],
    ],
  },
  {
    name: 'literal braces {{ and }}',
    build: () => new Router().push(new Router('/a{{b}}/{{{id}}}').get(h('braces'))),
    requests: [
      [GET, '/a%7Bb%7D/%7B42%7D', { goal: 'braces', params: { id: '42' }, route: '/a{{b}}/{{{id}}}' }],
      [GET, '/a{b}/{42}', { goal: 'braces', params: { id: '42' } }],
      [GET, '/ab/42', 404],
    ],
  },
  // --- params ------------------------------------------------------------------------
  {
    name: '{name} takes one whole segment',
    build: () => new Router().push(new Router('users/{id}/emails').get(h('emails'))),
    requests: [
      [GET, '/users/29/emails', { goal: 'emails', params: { id: '29' }, route: '/users/{id}/emails' }],
      [GET, '/users/a.b-c~d/emails', { goal: 'emails', params: { id: 'a.b-c~d' } }],
      [GET, '/users//emails', 404],
      [GET, '/users/29', 404],
    ],
  },
  {
    name: '{id:num} and {id:hex}',
    build: () => new Router().push(new Router('n/{id:num}').get(h('num'))).push(new Router('x/{id:hex}').get(h('hex'))),
    requests: [
      [GET, '/n/0123', { goal: 'num', params: { id: '0123' }, route: '/n/{id:num}' }],
      [GET, '/n/12a', 404],
      [GET, '/n/-1', 404],
      [GET, '/n/%31%32', { goal: 'num', params: { id: '12' } }],
      [GET, '/x/ff0A', { goal: 'hex', params: { id: 'ff0A' } }],
      [GET, '/x/fg', 404],
    ],
  },
  {
    name: 'num widths: (a..=b) inclusive, (a..b) exclusive, (..=b), (a..), (a) = at least a',
    build: () =>
      new Router()
        .push(new Router('incl/{id:num(3..=5)}').get(h('incl')))
        .push(new Router('excl/{id:num(3..5)}').get(h('excl')))
        .push(new Router('upto/{id:num(..=2)}').get(h('upto')))
        .push(new Router('from/{id:num(3..)}').get(h('from')))
        .push(new Router('min/{id:num(4)}').get(h('min')))
        .push(new Router('hexw/{id:hex[2..=2]}').get(h('hexw'))),
    requests: [
      [GET, '/incl/12', 404],
      [GET, '/incl/123', { goal: 'incl' }],
      [GET, '/incl/12345', { goal: 'incl' }],
      [GET, '/incl/123456', 404],
      [GET, '/excl/1234', { goal: 'excl' }],
      [GET, '/excl/12345', 404],
      [GET, '/upto/1', { goal: 'upto' }],
      [GET, '/upto/12', { goal: 'upto' }],
      [GET, '/upto/123', 404],
      [GET, '/from/12', 404],
      [GET, '/from/1234567890', { goal: 'from' }],
      [GET, '/min/123', 404],
      [GET, '/min/12345678', { goal: 'min' }],
      [GET, '/hexw/aF', { goal: 'hexw' }],
      [GET, '/hexw/aFF', 404],
    ],
  },
  {
    name: '{id|regex} must match the whole segment',
    build: () =>
      new Router()
        .push(new Router(String.raw`d/{id|\d+}`).get(h('digits')))
        .push(new Router('q/{id|[a-f]{4}}').get(h('quant')))
        .push(new Router('alt/{sub|images|css}/{file}').get(h('alt')))
        .push(new Router('anch/{v|^v\\d$}').get(h('anch')))
        .push(new Router('uuid/{id|[0-9a-z]{8}(-[0-9a-z]{4}){3}-[0-9a-z]{12}}').get(h('uuid'))),
    requests: [
      [GET, '/d/42', { goal: 'digits', params: { id: '42' } }],
      [GET, '/d/42x', 404],
      [GET, '/d/x42', 404],
      [GET, '/q/beef', { goal: 'quant' }],
      [GET, '/q/beefy', 404],
      [GET, '/alt/css/m.css', { goal: 'alt', params: { sub: 'css', file: 'm.css' } }],
      [GET, '/alt/js/m.js', 404],
      [GET, '/alt/imagesx/m', 404],
      [GET, '/anch/v1', { goal: 'anch' }],
      [GET, '/uuid/726d694c-7af0-4bb0-9d22-706f7e38641e', { goal: 'uuid' }],
      [GET, '/uuid/726d694c-7af0-4bb0-9d22-706f7e386e', 404],
    ],
  },
  {
    name: 'several params in one segment',
    build: () =>
      new Router()
        .push(new Router(String.raw`avatars/{w|\d+}x{h|\d+}.{ext}`).get(h('avatar')))
        .push(new Router('files/prefix{id}.{ext}').get(h('prefixed')))
        .push(new Router('{pid}/show/{table}.bu').get(h('dotbu')))
        .push(new Router('typed/v{major:num}.{minor:num}').get(h('typed'))),
    requests: [
      [GET, '/avatars/320x640.webp', { goal: 'avatar', params: { w: '320', h: '640', ext: 'webp' } }],
      [GET, '/avatars/321x641f.webp', 404],
      [GET, '/avatars/320x640', 404],
      // A plain {x} inside a segment is greedy (Salvo's `.*`), so the last '.' splits.
      [GET, '/files/prefix12.tar.gz', { goal: 'prefixed', params: { id: '12.tar', ext: 'gz' } }],
      [GET, '/files/prefix.gz', { goal: 'prefixed', params: { id: '', ext: 'gz' } }],
      [GET, '/files/other12.gz', 404],
      [GET, '/7/show/users.bu', { goal: 'dotbu', params: { pid: '7', table: 'users' } }],
      [GET, '/typed/v1.20', { goal: 'typed', params: { major: '1', minor: '20' } }],
      [GET, '/typed/v1.x', 404],
    ],
  },
  // --- wildcards ---------------------------------------------------------------------
  {
    name: '{**rest}: zero or more segments',
    build: () => new Router().push(new Router('files/{**rest}').get(h('files'))),
    requests: [
      [GET, '/files', { goal: 'files', params: { rest: '' }, route: '/files/{**rest}' }],
      [GET, '/files/', { goal: 'files', params: { rest: '' } }],
      [GET, '/files/a', { goal: 'files', params: { rest: 'a' } }],
      [GET, '/files/a/b/c.txt', { goal: 'files', params: { rest: 'a/b/c.txt' } }],
      [GET, '/files//a//b/', { goal: 'files', params: { rest: 'a/b' } }],
      [GET, '/filesx', 404],
    ],
  },
  {
    name: '{*+rest}: one or more segments',
    build: () => new Router().push(new Router('files/{*+rest}').get(h('files'))),
    requests: [
      [GET, '/files', 404],
      [GET, '/files/', 404],
      [GET, '/files/a', { goal: 'files', params: { rest: 'a' } }],
      [GET, '/files/a/b', { goal: 'files', params: { rest: 'a/b' } }],
    ],
  },
  {
    name: '{*?rest}: zero or one segment',
    build: () => new Router().push(new Router('files/{*?rest}').get(h('files'))),
    requests: [
      [GET, '/files', { goal: 'files', params: { rest: '' } }],
      [GET, '/files/a', { goal: 'files', params: { rest: 'a' } }],
      [GET, '/files/a%2Fb', { goal: 'files', params: { rest: 'a/b' } }],
      [GET, '/files/a/b', 404],
    ],
  },
  {
    name: '{*rest} is {**rest}; a wildcard regex tests the joined rest',
    build: () =>
      new Router()
        .push(new Router('one/{*rest}').get(h('one')))
        .push(new Router(String.raw`txt/{**path|.*\.txt}`).get(h('txt')))
        .push(new Router('users/{*sub|(images|css)/.+}').get(h('sub'))),
    requests: [
      [GET, '/one', { goal: 'one', params: { rest: '' } }],
      [GET, '/one/a/b', { goal: 'one', params: { rest: 'a/b' } }],
      [GET, '/txt/a/b.txt', { goal: 'txt', params: { path: 'a/b.txt' } }],
      [GET, '/txt/a/b.md', 404],
      [GET, '/users/css/abc/m.jpg', { goal: 'sub', params: { sub: 'css/abc/m.jpg' } }],
      [GET, '/users/12/m.jpg', 404],
    ],
  },
  {
    name: 'a wildcard ending a multi-param segment takes the rest of the segment and what follows',
    build: () =>
      new Router()
        .push(new Router('first{id}world{**rest}').get(h('comb')))
        .push(new Router('abc/l{**rest}').get(h('l')))
        .push(new Router(String.raw`abc/t{**rest|\d+}`).get(h('t')))
        .push(new Router('p/v{*+rest}').get(h('plus'))),
    requests: [
      [GET, '/first123world.ext', { goal: 'comb', params: { id: '123', rest: '.ext' } }],
      [GET, '/first123world/a/b', { goal: 'comb', params: { id: '123', rest: 'a/b' } }],
      [GET, '/first123world.x/a', { goal: 'comb', params: { id: '123', rest: '.x/a' } }],
      [GET, '/abc/llo1', { goal: 'l', params: { rest: 'lo1' } }],
      [GET, '/abc/l', { goal: 'l', params: { rest: '' } }],
      [GET, '/abc/hello1', 404],
      [GET, '/abc/t11', { goal: 't', params: { rest: '11' } }],
      [GET, '/abc/t11a', 404],
      [GET, '/p/v', 404],
      [GET, '/p/v1', { goal: 'plus', params: { rest: '1' } }],
      [GET, '/p/v/1', { goal: 'plus', params: { rest: '1' } }],
    ],
  },
  // --- tree semantics ----------------------------------------------------------------
  {
    name: 'depth-first, first match in insertion order',
    build: () =>
      new Router()
        .push(new Router('{anything}').get(h('param-first')))
        .push(new Router('me').get(h('literal-second')))
        .push(new Router('a').push(new Router('b').get(h('nested'))))
        .push(new Router('a/b').get(h('flat'))),
    requests: [
      [GET, '/me', { goal: 'param-first', params: { anything: 'me' } }],
      [GET, '/a/b', { goal: 'nested', route: '/a/b' }],
    ],
  },
  {
    name: 'backtracking: a failed branch leaves no params behind',
    build: () =>
      new Router().push(
        new Router('users').push(
          new Router().push(new Router('{id}/profile').get(h('profile'))).push(new Router('{name}').get(h('byName'))),
        ),
      ),
    requests: [
      [GET, '/users/alice', { goal: 'byName', params: { name: 'alice' } }],
      [GET, '/users/alice/profile', { goal: 'profile', params: { id: 'alice' } }],
    ],
  },
  {
    name: 'backtracking restores an ancestor param that a failed branch overwrote',
    build: () =>
      new Router('{id}').push(new Router('{id}/profile').get(h('profile'))).push(new Router('edit').get(h('edit'))),
    requests: [
      [GET, '/alice/edit', { goal: 'edit', params: { id: 'alice' } }],
      [GET, '/alice/bob/profile', { goal: 'profile', params: { id: 'bob' } }],
    ],
  },
  {
    name: 'backtracking after a method mismatch deep in a wildcard sibling',
    build: () =>
      new Router()
        .push(new Router('{foo|[a-f0-9]{4}}/{**subpath}').get(h('first')))
        .push(new Router('{**subpath}').post(h('second'))),
    requests: [
      [GET, '/b33f/subpath.txt', { goal: 'first', params: { foo: 'b33f', subpath: 'subpath.txt' } }],
      [POST(), '/b33f/subpath.txt', { goal: 'second', params: { subpath: 'b33f/subpath.txt' } }],
      ['HEAD', '/b33f/subpath.txt', 405],
    ],
  },
  {
    name: "a router's own goal answers after its children fail",
    build: () => new Router('users').get(h('list')).push(new Router('{id}/profile').get(h('profile'))),
    requests: [
      [GET, '/users', { goal: 'list', params: {} }],
      [GET, '/users/7/profile', { goal: 'profile', params: { id: '7' } }],
      // No router consumed the whole path ('{id}/profile' needs two more segments).
      [GET, '/users/7', 404],
    ],
  },
  {
    name: '404 vs 405: 405 when some router consumed the whole path',
    build: () =>
      new Router()
        .push(new Router('users').get(h('list')).post(h('create')))
        .push(new Router('users/{id}').delete(h('remove'))),
    requests: [
      [GET, '/users', { goal: 'list' }],
      ['POST', '/users', { goal: 'create' }],
      ['PUT', '/users', 405],
      ['DELETE', '/users/1', { goal: 'remove', params: { id: '1' } }],
      [GET, '/users/1', 405],
      [GET, '/users/1/x', 404],
      [GET, '/nope', 404],
      // As in Salvo: the root itself consumes '/', so '/' without a root goal is a 405.
      [GET, '/', 405],
    ],
  },
  {
    name: 'method children; HEAD does not fall back to GET (Salvo)',
    build: () =>
      new Router('r')
        .get(h('get'))
        .post(h('post'))
        .put(h('put'))
        .delete(h('delete'))
        .patch(h('patch'))
        .options(h('options')),
    requests: [
      [GET, '/r', { goal: 'get' }],
      ['POST', '/r', { goal: 'post' }],
      ['PUT', '/r', { goal: 'put' }],
      ['DELETE', '/r', { goal: 'delete' }],
      ['PATCH', '/r', { goal: 'patch' }],
      ['OPTIONS', '/r', { goal: 'options' }],
      ['HEAD', '/r', 405],
      ['QUERY', '/r', 405],
    ],
  },
  {
    name: '.head() answers HEAD; the first child whose method fits wins',
    build: () => new Router('r').get(h('get')).head(h('head')).get(h('get2')).goal(h('own')),
    requests: [
      ['HEAD', '/r', { goal: 'head' }],
      [GET, '/r', { goal: 'get' }],
      ['POST', '/r', { goal: 'own' }],
    ],
  },
  {
    name: 'a goal without a method filter answers every method',
    build: () =>
      new Router().push(new Router('any').goal(h('any'))).push(new Router('mixed').goal(h('fallback')).get(h('get'))),
    requests: [
      ['PATCH', '/any', { goal: 'any' }],
      [GET, '/mixed', { goal: 'get' }],
      ['DELETE', '/mixed', { goal: 'fallback' }],
    ],
  },
  // --- filters -------------------------------------------------------------------------
  {
    name: 'host filter: case-insensitive, port ignored, *.domain wildcard',
    build: () =>
      new Router()
        .push(new Router('x').host('API.Example.com:8080').get(h('api')))
        .push(new Router('x').host('*.example.com').get(h('sub')))
        .push(new Router('x').get(h('any'))),
    requests: [
      [GET, '/x', { goal: 'api' }, 'api.example.com'],
      [GET, '/x', { goal: 'api' }, 'api.example.com.'],
      [GET, '/x', { goal: 'sub' }, 'a.example.com'],
      [GET, '/x', { goal: 'sub' }, 'a.b.example.com'],
      [GET, '/x', { goal: 'any' }, 'example.com'],
      [GET, '/x', { goal: 'any' }, 'badexample.com'],
    ],
  },
  {
    name: 'custom filter',
    build: () =>
      new Router()
        .push(new Router('admin').filter((r) => r.header('x-admin') === 'yes').get(h('admin')))
        .push(new Router('admin').get(h('denied'))),
    requests: [[GET, '/admin', { goal: 'denied' }]],
  },
  // --- what a match carries ------------------------------------------------------------
  {
    name: 'hoops run root to leaf; bodyLimit: innermost wins; route label',
    build: () =>
      new Router()
        .hoop(h('root'))
        .bodyLimit(1000)
        .push(
          new Router('api')
            .hoop(h('api'))
            .hoop(h('api2'))
            .push(new Router('users/{id:num}').bodyLimit(10).hoop(h('users')).get(h('user')))
            .push(new Router('ping').get(h('ping'))),
        )
        .get(h('home')),
    requests: [
      [
        GET,
        '/api/users/7',
        { goal: 'user', hoops: ['root', 'api', 'api2', 'users'], bodyLimit: 10, route: '/api/users/{id:num}' },
      ],
      [GET, '/api/ping', { goal: 'ping', hoops: ['root', 'api', 'api2'], bodyLimit: 1000, route: '/api/ping' }],
      [GET, '/', { goal: 'home', hoops: ['root'], bodyLimit: 1000, route: '/' }],
    ],
  },
  {
    name: 'no bodyLimit anywhere gives undefined; multiple path filters join in the label',
    build: () => new Router().push(new Router('a').path('{b}').get(h('ab'))),
    requests: [[GET, '/a/1', { goal: 'ab', bodyLimit: undefined, route: '/a/{b}', params: { b: '1' } }]],
  },
  {
    name: 'a param route before a literal one catches the literal path (also from the static table)',
    build: () => new Router().push(new Router('users/{id}').get(h('byId'))).push(new Router('users/me').get(h('me'))),
    requests: [
      [GET, '/users/me', { goal: 'byId', params: { id: 'me' } }],
      ['POST', '/users/me', 405],
    ],
  },
];

function POST(): string {
  return 'POST';
}

for (const c of cases) {
  test(`routing case: ${c.name}`, () => {
    const router = c.build();
    for (const [method, path, expected, host] of c.requests) {
      expectMatch(router, req(method, path, host ?? 'localhost'), expected);
    }
  });
}

test('routing case: custom filter sees the request', () => {
  const router = new Router().push(new Router('admin').filter((r) => r.header('x-admin') === 'yes').get(h('admin')));
  expectMatch(router, req(GET, '/admin', 'localhost', { 'x-admin': 'yes' }), { goal: 'admin' });
  expectMatch(router, req(GET, '/admin'), 404);
});
