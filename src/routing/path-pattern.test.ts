import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VolleyError } from '../errors.js';
import { parsePathPattern } from './path-pattern.js';
import { RouteError } from './route-error.js';
import { Router } from './router.js';

/**
 * Every bad pattern throws a RouteError (a VolleyError with code VOLLEY_ERR_BAD_ROUTE)
 * whose message shows the pattern and a caret under the offending character. `at` is
 * the text the caret must point at (its first occurrence, or `index` when given).
 */
const bad: { pattern: string; at: string; index?: number; reason: RegExp }[] = [
  { pattern: '/files/{**a}/{**b}', at: '{**b}', reason: /only one wildcard/ },
  { pattern: '/files/{**a}{*+b}', at: '{*+b}', reason: /only one wildcard/ },
  { pattern: '/files/{**rest}/x', at: 'x', reason: /wildcard must be the last/ },
  { pattern: '/files/{**rest}.json', at: '.json', reason: /wildcard must be the last/ },
  { pattern: '/files/{*?rest}{id}', at: '{id}', reason: /only one wildcard|wildcard must be the last/ },
  { pattern: '/{a}{b}', at: '{b}', reason: /two parameters next to each other/ },
  { pattern: '/x{a}{**rest}', at: '{**rest}', reason: /two parameters next to each other/ },
  { pattern: '/first{id}{*ext}/{**rest}', at: '{*ext}', reason: /two parameters next to each other/ },
  { pattern: '/{id:int}', at: 'int', reason: /unknown type ":int"/ },
  { pattern: '/{id:}', at: '}', reason: /missing type name/ },
  { pattern: '/{**rest:num}', at: 'num', reason: /wildcard cannot have a type/ },
  { pattern: '/{id|(ab}', at: '(ab', reason: /bad regex/ },
  { pattern: '/{id|a)(b}', at: 'a)(b', reason: /bad regex/ },
  { pattern: '/{id|}', at: '}', reason: /empty regex/ },
  { pattern: '/users/{id', at: '{id', reason: /unclosed '\{'/ },
  { pattern: '/users/{id|\\d+', at: '{id', reason: /unclosed '\{'/ },
  { pattern: '/users/{id:num(3..5', at: '(', reason: /unclosed '\('/ },
  { pattern: '/users/{id/x}', at: '/x}', reason: /unexpected '\/'/ },
  { pattern: '/{}', at: '}', reason: /empty parameter name/ },
  { pattern: '/{:num}', at: ':num', reason: /empty parameter name/ },
  { pattern: '/{**}', at: '}', reason: /empty parameter name/ },
  { pattern: '/a}b', at: '}', reason: /unmatched '\}'/ },
  { pattern: '/{id}/{id}', at: 'id', index: 7, reason: /duplicate parameter name "id"/ },
  { pattern: '/{__proto__}', at: '__proto__', reason: /reserved/ },
  { pattern: '/{id:num(0..3)}', at: '0..3', reason: /minimum width must be at least 1/ },
  { pattern: '/{id:num(5..=3)}', at: '5..=3', reason: /greater than the maximum/ },
  { pattern: '/{id:num(..1)}', at: '..1', reason: /exclusive maximum/ },
  { pattern: '/{id:num(x)}', at: 'x', reason: /bad width/ },
  { pattern: '/{id:num(1,2)}', at: '1,2', reason: /one argument/ },
  { pattern: '/{id:num]}', at: ']', reason: /expected '\}'/ },
];

for (const { pattern, at, index, reason } of bad) {
  test(`bad pattern ${pattern} is refused with a caret under ${JSON.stringify(at)}`, () => {
    const column = index ?? pattern.indexOf(at);
    assert.ok(column >= 0, 'test table: `at` not found in pattern');
    let error: unknown;
    try {
      new Router(pattern);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof RouteError, `expected a RouteError, got ${String(error)}`);
    assert.ok(error instanceof VolleyError);
    assert.equal(error.code, 'VOLLEY_ERR_BAD_ROUTE');
    assert.match(error.message, reason);
    assert.equal(error.pattern, pattern);
    assert.equal(error.offset, column, `caret column for ${pattern}: ${error.message}`);
    const lines = error.message.split('\n');
    assert.equal(lines[1], `  ${pattern}`);
    assert.equal(lines[2], `  ${' '.repeat(column)}^`);
  });
}

test('good patterns parse into the expected segment kinds', () => {
  const kinds = (p: string) => parsePathPattern(p).segments.map((s) => s.kind);
  assert.deepEqual(kinds(''), []);
  assert.deepEqual(kinds('/'), []);
  assert.deepEqual(kinds('/hello/world'), ['static', 'static']);
  assert.deepEqual(kinds('first///second//{id}'), ['static', 'static', 'param']);
  assert.deepEqual(kinds(String.raw`/{a|\d+}/{b:num}/{c:hex(2..=4)}`), ['regex', 'chars', 'chars']);
  assert.deepEqual(kinds('/{**a}'), ['wild']);
  assert.deepEqual(kinds('/p{x}.{y}'), ['comb']);
  assert.deepEqual(kinds('/a{{b}}'), ['static']);
  assert.deepEqual(kinds('/{**rest}/'), ['wild'], 'a trailing slash after a wildcard is fine');
  assert.equal(parsePathPattern('//users//{id}/').label, 'users/{id}');
});

test('wildcard forms and width forms parse as in Salvo', () => {
  const first = (p: string) => parsePathPattern(p).segments[0]!;
  for (const [p, mode] of [
    ['{**r}', '**'],
    ['{*r}', '**'],
    ['{*+r}', '*+'],
    ['{*?r}', '*?'],
  ] as const) {
    const seg = first(p);
    assert.equal(seg.kind, 'wild');
    assert.equal(seg.kind === 'wild' && seg.mode, mode);
    assert.equal(seg.kind === 'wild' && seg.name, 'r');
  }
  const width = (p: string) => {
    const seg = first(p);
    return seg.kind === 'chars' ? [seg.min, seg.max] : undefined;
  };
  const inf = Number.POSITIVE_INFINITY;
  assert.deepEqual(width('{i:num}'), [1, inf]);
  assert.deepEqual(width('{i:num()}'), [1, inf]);
  assert.deepEqual(width('{i:num(4)}'), [4, inf]);
  assert.deepEqual(width('{i:num(3..)}'), [3, inf]);
  assert.deepEqual(width('{i:num(..=5)}'), [1, 5]);
  assert.deepEqual(width('{i:num(3..10)}'), [3, 9]);
  assert.deepEqual(width('{i:num(3..=10)}'), [3, 10]);
  assert.deepEqual(width('{i:hex[ 2 .. = 4 ]}'), [2, 4]);
});
