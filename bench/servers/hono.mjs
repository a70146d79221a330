// Hono (default SmartRouter) on @hono/node-server.
import { serve } from '@hono/node-server';
import { args, listening } from './common.mjs';
import { honoApp } from './hono-app.mjs';

const [scenario, port] = args();
serve({ fetch: honoApp(scenario).fetch, hostname: '127.0.0.1', port }, () => listening(port));
