import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { AppModuleError } from '../../errors.js';
import { Router } from '../../routing/index.js';
import { appShape } from './app-shape.js';

const shapeOf = (value: unknown, exports: Record<string, unknown> = {}) =>
  appShape({ path: '/app.mjs', value, exports });

test('a Router or Service is served by Volley itself', () => {
  assert.equal(shapeOf(new Router()).kind, 'volley');
});

test('a function is a request listener', () => {
  const shape = shapeOf(function expressApp(_req: unknown, _res: unknown) {});
  assert.equal(shape.kind, 'listener');
  assert.equal(shape.kind === 'listener' && shape.what, 'request listener expressApp');
});

test('an object with fetch is a fetch app, called with itself as `this`', async () => {
  const app = new Hono().get('/', (c) => c.text('hono'));
  const shape = shapeOf(app);
  assert.equal(shape.kind, 'fetch');
  const plain = {
    greeting: 'hi',
    fetch(this: { greeting: string }) {
      return new Response(this.greeting);
    },
  };
  const plainShape = shapeOf(plain);
  assert.ok(plainShape.kind === 'fetch');
  assert.equal(await (await plainShape.fetch(new Request('http://x/'))).text(), 'hi');
});

test('a Koa-like app is served through its callback()', () => {
  const listener = () => undefined;
  const koa = { use() {}, listen() {}, callback: () => listener };
  const shape = shapeOf(koa);
  assert.ok(shape.kind === 'listener');
  assert.equal(shape.listener, listener);
});

test('a node:http server and a Fastify instance are the app’s own servers', async () => {
  const server = createServer();
  assert.equal(shapeOf(server).kind, 'server');
  const fastify = Fastify();
  const shape = shapeOf(fastify);
  assert.ok(shape.kind === 'server');
  assert.equal(shape.what, 'Fastify');
  assert.equal(shape.server, fastify.server);
  await fastify.close();
});

test('a module that exports nothing starts its own server', () => {
  assert.equal(shapeOf(undefined).kind, 'self');
  assert.equal(shapeOf({}).kind, 'self'); // module.exports left as {}
});

test('anything else is refused, saying what it got and what is accepted', () => {
  assert.throws(
    () => shapeOf(42),
    (err: unknown) =>
      err instanceof AppModuleError &&
      /app module \/app\.mjs has a default export of type number, which volley serve cannot serve\. Export a Volley Router/.test(
        err.message,
      ),
  );
  assert.throws(() => shapeOf(undefined, { router: 42 }), /has no default export \(it exports router\)/);
  assert.throws(() => shapeOf('hello'), /of type string/);
});
