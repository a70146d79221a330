// Hono (default SmartRouter) on @hono/node-server.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { args, colonPath, githubRoutes, listening, paramsText } from './common.mjs';

const [scenario, port] = args();
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

serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => listening(port));
