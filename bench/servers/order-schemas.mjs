// The ~1 KB order of the JSON scenario (bench/single.ts JSON_BODY) as a schema, in each
// schema library endpoint() is benchmarked with (bench/servers/volley-validated.mjs).
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import * as v from 'valibot';
import * as z from 'zod';

export const schemas = {
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
