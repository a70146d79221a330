/**
 * The generated matcher (codegen.ts) against the reference detect and the interpreted walk
 * on random trees: every segment kind, nesting, method leaves, goals on inner routers,
 * filters, and paths with repeated, trailing and missing slashes. The generator tracks at
 * each point of its output which segment positions are known; a mistake there shows as a
 * wrong answer for some tree shape, which fixed tables may not have.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../router.js';
import { expectMatch, named, prng, req, summary } from '../test-helpers.js';
import { generateMatcher } from './codegen.js';
import { compileRouter } from './compile.js';
import { compiledTree } from './tree.js';

const LITERALS = ['a', 'b', 'ab', 'users', 'x.y', 'longliteral1', 'longliteral2', 'v1'];
// '#' becomes the segment's position, so names are unique in a pattern (as the parser
// demands) and repeat across nested routers (the inner value wins, at the outer position).
const ONE_SEGMENT = ['{p#}', '{n#:num}', '{h#:hex(2..=4)}', '{r#|[a-c]+}', '{f#}.{e#}', String.raw`{w#|\d+}x{z#|\d+}`];
const REST = ['{**rest}', '{*+rest}', '{*?rest}', 'v{ver}-{**tail}'];
const METHODS = ['GET', 'POST', 'DELETE'];
const VALUES = ['a', 'b', 'ab', 'abc', '12', 'ff', 'x.y', '3x4', 'users', 'longliteral1', 'longliteral', 'v1-2', 'zz'];

function randomTree(rnd: () => number): Router {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let goals = 0;
  const pattern = (): string => {
    const parts: string[] = [];
    const n = Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) parts.push(rnd() < 0.55 ? pick(LITERALS) : pick(ONE_SEGMENT).replaceAll('#', `${i}`));
    if (rnd() < 0.15) parts.push(pick(REST));
    return parts.join('/');
  };
  const grow = (router: Router, depth: number): Router => {
    const kids = depth >= 3 ? 0 : Math.floor(rnd() * 4);
    for (let i = 0; i < kids; i++) router.push(grow(new Router(pattern()), depth + 1));
    const leaves = Math.floor(rnd() * 3);
    for (let i = 0; i < leaves; i++) {
      const method = pick(METHODS).toLowerCase() as 'get' | 'post' | 'delete';
      router[method](named(`g${goals++}`));
    }
    if (rnd() < 0.3) router.goal(named(`g${goals++}`));
    if (rnd() < 0.05) router.filter((r) => r.hostname !== 'blocked');
    if (rnd() < 0.1) router.hoop(named(`h${goals++}`));
    return router;
  };
  return grow(new Router(rnd() < 0.3 ? pattern() : ''), 0);
}

function randomPath(rnd: () => number): string {
  const n = Math.floor(rnd() * 6);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(VALUES[Math.floor(rnd() * VALUES.length)]!);
  let path = `/${parts.join(rnd() < 0.05 ? '//' : '/')}`;
  if (rnd() < 0.1) path += '/';
  return path;
}

test('generated matcher == interpreted walk == reference detect on 400 random trees', () => {
  const rnd = prng(20261125);
  let matched = 0;
  for (let t = 0; t < 400; t++) {
    const router = randomTree(rnd);
    // The generated code on its own: compile() answers paths made of literals from a table.
    const generated = generateMatcher(compiledTree(router));
    assert.ok(generated !== null, `tree ${t}: no generated code`);
    const fast = generated();
    const compiled = router.compile();
    const interpreted = compileRouter(router, { maxSource: 0 });
    for (let i = 0; i < 150; i++) {
      const request = req(METHODS[Math.floor(rnd() * METHODS.length)]!, randomPath(rnd));
      const want = summary(router.detect(request));
      const what = `tree ${t}, ${request.method} ${request.path}\n${router}`;
      assert.deepStrictEqual(summary(fast(request.method, request.path, request)), want, `generated: ${what}`);
      assert.deepStrictEqual(summary(compiled(request)), want, what);
      assert.deepStrictEqual(summary(interpreted(request)), want, `interpreted: ${what}`);
      if (typeof want === 'object') matched++;
    }
  }
  assert.ok(matched > 5000, `too few matches (${matched}) for the test to mean much`);
});

test('literals and param names that are special in JavaScript source are plain text', () => {
  // Short literals become char-code compares in the generated code, long ones quoted strings.
  // [pattern, path]: '{{' and '}}' are literal braces in a pattern.
  const odd: [string, string][] = [
    ["it's", "it's"],
    ['a"b', 'a"b'],
    ['back\\slash', 'back\\slash'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the point is a template placeholder as plain text
    ['${{x}}', '${x}'],
    ['*/', '*/'],
    ['line\u2028sep', 'line\u2028sep'],
    ['\u00e9t\u00e9', '\u00e9t\u00e9'],
    ['\u00fc'.repeat(9), '\u00fc'.repeat(9)],
    ['`tick`', '`tick`'],
  ];
  const router = new Router();
  odd.forEach(([pattern], i) => {
    router.push(new Router(pattern).get(named(`lit${i}`)));
  });
  const names = ["q'", 'd"', 'b\\', '$y`', 'n\u2028'];
  router.push(new Router(`odd/${names.map((n) => `{${n}}`).join('/')}`).get(named('params')));
  const fast = generateMatcher(compiledTree(router))!();
  const both = (path: string, expected: Parameters<typeof expectMatch>[2]) => {
    const request = req('GET', path);
    expectMatch(router, request, expected);
    // compile() answers paths made of literals from a table: ask the generated code too.
    assert.deepStrictEqual(summary(fast('GET', path, request)), summary(router.detect(request)), `generated: ${path}`);
  };
  odd.forEach(([, path], i) => {
    both(`/${path}`, { goal: `lit${i}`, params: {} });
    both(`/${path}x`, 404);
  });
  both('/odd/1/2/3/4/5', { goal: 'params', params: Object.fromEntries(names.map((n, i) => [n, String(i + 1)])) });
});

test('a tree whose code would be too big is served by the interpreted walk, with the same answers', () => {
  const router = new Router().push(new Router('users/{id}').get(named('user')).push(new Router('a').goal(named('a'))));
  const tree = compiledTree(router);
  assert.notEqual(generateMatcher(tree), null);
  assert.equal(generateMatcher(tree, 10), null);
  const small = compileRouter(router, { maxSource: 10 });
  for (const [method, path] of [
    ['GET', '/users/7'],
    ['GET', '/users/7/a'],
    ['POST', '/users/7'],
    ['GET', '/users'],
  ] as const) {
    const request = req(method, path);
    assert.deepStrictEqual(summary(small(request)), summary(router.detect(request)), `${method} ${path}`);
  }
  assert.equal(small(req('POST', '/users/7')), 405);
  assert.equal(small(req('GET', '/nope')), 404);
});

test('a tree nested too deep to generate code for is served by the interpreted walk', () => {
  // 1,000 levels: in a fresh process the generator runs out of stack between 600 and 800
  // (building the CNodes, before it, near 1,450).
  const h = named('deep');
  let inner = new Router('z').get(h);
  for (let i = 0; i < 1000; i++)
    inner = new Router(`n${i}`).push(inner).push(new Router(`{p${i}}`).get(named(`p${i}`)));
  const router = new Router().push(inner);
  const matcher = router.compile();
  const deepest = `/${Array.from({ length: 1000 }, (_, i) => `n${999 - i}`).join('/')}/z`;
  for (const path of [deepest, '/n999/x', '/n999/n998/y', '/n999/nope/z', deepest.replace('/z', '/q')]) {
    const request = req('GET', path);
    assert.deepStrictEqual(summary(matcher(request)), summary(router.detect(request)), path);
  }
  assert.equal((matcher(req('GET', deepest)) as { goal: unknown }).goal, h);
});
