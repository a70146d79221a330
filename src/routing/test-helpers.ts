/**
 * Helpers shared by the routing tests and router.bench.ts (not a test file itself):
 * requests, named handlers, and a check that runs the compiled matcher (generated code,
 * and the interpreted walk it falls back to) and the reference detect and expects all to
 * give the same, expected answer.
 */
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Request } from '../http/request.js';
import { compileRouter } from './engine/compile.js';
import type { Router } from './router.js';
import type { Handler, RouteMatch } from './types.js';

/** A real Request, as the Service makes one, over a Node request that never saw a socket. */
export function req(
  method: string,
  path: string,
  hostname = 'localhost',
  headers: Record<string, string> = {},
): Request {
  const raw = new IncomingMessage(new Socket());
  raw.method = method;
  raw.url = path;
  raw.headers = { host: hostname, ...headers };
  return new Request(raw);
}

/** A handler whose name shows in toString() and in failed assertions. */
export function named(name: string): Handler {
  const fn: Handler = () => name;
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

export interface Expected {
  goal: string;
  params?: Record<string, string>;
  route?: string;
  hoops?: string[];
  bodyLimit?: number | undefined;
}

/** Both matchers must answer `expected` (404, 405, or the goal's name and whatever else is given). */
export function expectMatch(router: Router, request: Request, expected: 404 | 405 | Expected): void {
  const compiled = router.compile()(request);
  const reference = router.detect(request);
  const what = `${request.method} ${request.path}`;
  assert.deepStrictEqual(summary(compiled), summary(reference), `${what}: compiled and reference disagree`);
  // The interpreted walk (engine/lookup.ts) serves paths with escapes and trees too big for generated code.
  const interpreted = compileRouter(router, { maxSource: 0 })(request);
  assert.deepStrictEqual(summary(interpreted), summary(reference), `${what}: interpreted and reference disagree`);
  if (typeof expected === 'number') {
    assert.equal(compiled, expected, `${what}: expected ${expected}, got ${describe(compiled)}`);
    return;
  }
  assert.notEqual(typeof compiled, 'number', `${what}: expected goal ${expected.goal}, got ${String(compiled)}`);
  const m = compiled as RouteMatch;
  assert.equal(m.goal.name, expected.goal, `${what}: goal`);
  if (expected.params) assert.deepStrictEqual(m.params, expected.params, `${what}: params`);
  if (expected.route !== undefined) assert.equal(m.route, expected.route, `${what}: route`);
  if (expected.hoops)
    assert.deepStrictEqual(
      m.hoops.map((h) => h.name),
      expected.hoops,
      `${what}: hoops`,
    );
  if ('bodyLimit' in expected) assert.equal(m.bodyLimit, expected.bodyLimit, `${what}: bodyLimit`);
}

/** Everything observable in an answer, in a comparable form. */
export function summary(answer: RouteMatch | 404 | 405): unknown {
  if (typeof answer === 'number') return answer;
  return {
    goal: answer.goal,
    hoops: [...answer.hoops],
    handlers: [...answer.handlers],
    params: { ...answer.params },
    paramOrder: Object.keys(answer.params),
    route: answer.route,
    bodyLimit: answer.bodyLimit,
  };
}

function describe(answer: RouteMatch | 404 | 405): string {
  return typeof answer === 'number' ? String(answer) : `goal ${answer.goal.name} ${JSON.stringify(answer.params)}`;
}

/** Deterministic PRNG (mulberry32) so the random differential test is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
