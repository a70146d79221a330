// The Hono app of the single-process scenarios (default SmartRouter), shared by hono.mjs
// (@hono/node-server) and hono-own-adapter.mjs (the plain Web adapter).
import { Hono } from 'hono';
import { colonPath, githubRoutes, paramsText } from './common.mjs';

export function honoApp(scenario) {
  const app = new Hono();
  if (scenario === 'hello') {
    app.get('/', (c) => c.text('Hello World'));
  } else if (scenario === 'json') {
    app.post('/json', async (c) => c.json(await c.req.json()));
  } else {
    for (const { method, path, names } of githubRoutes()) {
      app.on(method, colonPath(path), (c) => c.text(paramsText(names, (n) => c.req.param(n))));
    }
  }
  return app;
}
