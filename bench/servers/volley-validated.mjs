// Volley, one process: POST /json with the ~1 KB order JSON (bench/single.ts JSON_BODY), echoed
// back, either read with req.json() (`plain`) or validated by endpoint() with a schema for the
// whole order in zod, valibot, arktype or TypeBox (compiled by ajv). `node volley-validated.mjs <variant> <port>`.
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import * as v from 'valibot';
import { endpoint, Router, Server, TcpListener } from 'volley';
import * as z from 'zod';
import { listening } from './common.mjs';

const VARIANTS = ['plain', 'zod', 'valibot', 'arktype', 'typebox'];
const variant = process.argv[2];
const port = Number(process.argv[3]);
if (!VARIANTS.includes(variant) || !Number.isInteger(port) || port <= 0) {
  console.error(`usage: node ${process.argv[1]} <${VARIANTS.join('|')}> <port>`);
  process.exit(2);
}

const schemas = {
  zod: () => {
    const Item = z.object({
      sku: z.string(),
      title: z.string(),
      price: z.number(),
      quantity: z.int(),
      gift: z.boolean(),
    });
    return z.object({
      id: z.int(),
      name: z.string(),
      active: z.boolean(),
      createdAt: z.iso.datetime(),
      customer: z.object({ id: z.int(), name: z.string(), email: z.email(), tags: z.array(z.string()) }),
      items: z.array(Item),
      note: z.string(),
    });
  },
  valibot: () => {
    const Item = v.object({
      sku: v.string(),
      title: v.string(),
      price: v.number(),
      quantity: v.pipe(v.number(), v.integer()),
      gift: v.boolean(),
    });
    return v.object({
      id: v.pipe(v.number(), v.integer()),
      name: v.string(),
      active: v.boolean(),
      createdAt: v.pipe(v.string(), v.isoTimestamp()),
      customer: v.object({
        id: v.pipe(v.number(), v.integer()),
        name: v.string(),
        email: v.pipe(v.string(), v.email()),
        tags: v.array(v.string()),
      }),
      items: v.array(Item),
      note: v.string(),
    });
  },
  arktype: () =>
    type({
      id: 'number.integer',
      name: 'string',
      active: 'boolean',
      createdAt: 'string.date.iso',
      customer: { id: 'number.integer', name: 'string', email: 'string.email', tags: 'string[]' },
      items: type({
        sku: 'string',
        title: 'string',
        price: 'number',
        quantity: 'number.integer',
        gift: 'boolean',
      }).array(),
      note: 'string',
    }),
  typebox: () => {
    const Item = Type.Object({
      sku: Type.String(),
      title: Type.String(),
      price: Type.Number(),
      quantity: Type.Integer(),
      gift: Type.Boolean(),
    });
    return Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      active: Type.Boolean(),
      createdAt: Type.String({ format: 'date-time' }),
      customer: Type.Object({
        id: Type.Integer(),
        name: Type.String(),
        email: Type.String({ format: 'email' }),
        tags: Type.Array(Type.String()),
      }),
      items: Type.Array(Item),
      note: Type.String(),
    });
  },
};

const route =
  variant === 'plain'
    ? new Router('json').post(async (req) => req.json())
    : new Router('json').post(endpoint({ body: schemas[variant]() }, (req) => req.valid.body));

const server = new Server(new TcpListener(`127.0.0.1:${port}`));
server.ready().then(() => listening(port));
await server.serve(new Router().push(route));
