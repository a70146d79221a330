/**
 * Type-level tests for `req.valid`, checked by `npm run typecheck` (tsc): each
 * `@ts-expect-error` line must fail to compile (tsc reports an unused directive otherwise),
 * each other line must compile. Nothing here runs.
 */
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import * as v from 'valibot';
import * as z from 'zod';
import type { Handler } from '../http/handler.js';
import { endpoint } from './endpoint.js';

declare function use(...values: unknown[]): void;

export const zodEndpoint: Handler = endpoint(
  {
    params: z.object({ id: z.coerce.number() }),
    query: z.object({ q: z.string().optional(), limit: z.coerce.number().default(10) }),
    headers: z.object({ 'x-trace': z.string() }),
    body: z.object({ title: z.string(), done: z.boolean().default(false) }),
  },
  (req) => {
    const id: number = req.valid.params.id;
    const limit: number = req.valid.query.limit;
    const q: string | undefined = req.valid.query.q;
    const trace: string = req.valid.headers['x-trace'];
    const title: string = req.valid.body.title;
    const done: boolean = req.valid.body.done;
    use(id, limit, q, trace, title, done);
    // @ts-expect-error: no such field in the body schema
    use(req.valid.body.titel);
    // @ts-expect-error: the coerced param is a number, not a string
    const idText: string = req.valid.params.id;
    // @ts-expect-error: an optional query field may be undefined
    const qText: string = req.valid.query.q;
    // @ts-expect-error: valid is read-only
    req.valid.body = { title: 'x', done: true };
    use(idText, qText);
  },
);

export const valibotEndpoint = endpoint(
  { body: v.object({ n: v.number(), s: v.optional(v.string(), 'x') }) },
  (req) => {
    const n: number = req.valid.body.n;
    const s: string = req.valid.body.s;
    use(n, s);
    // @ts-expect-error: no such field
    use(req.valid.body.m);
  },
);

export const arktypeEndpoint = endpoint({ body: type({ name: 'string', 'age?': 'number' }) }, (req) => {
  const name: string = req.valid.body.name;
  const age: number | undefined = req.valid.body.age;
  use(name, age);
  // @ts-expect-error: age is optional
  const sure: number = req.valid.body.age;
  use(sure);
});

export const typeboxEndpoint = endpoint(
  { query: Type.Object({ page: Type.Integer() }), body: Type.Object({ tags: Type.Array(Type.String()) }) },
  (req) => {
    const page: number = req.valid.query.page;
    const tags: string[] = req.valid.body.tags;
    use(page, tags);
    // @ts-expect-error: tags holds strings
    const wrong: number[] = req.valid.body.tags;
    use(wrong);
  },
);

export const noSchemas = endpoint({ summary: 'no schemas' }, (req) => {
  // Without schemas, params and query are the raw strings and the body is not read.
  const id: string | undefined = req.valid.params.id;
  const body: undefined = req.valid.body;
  use(id, body);
  // @ts-expect-error: the raw params are strings
  const n: number = req.valid.params.id;
  use(n);
});

// A plain JSON Schema gives an unknown body: it must be narrowed before use.
export const plainJsonSchema = endpoint({ body: { type: 'object' } }, (req) => {
  // @ts-expect-error: unknown has no fields
  use(req.valid.body.anything);
});
