// The same Hono app as PM2 and node:cluster run it: @hono/node-server listening on $PORT.
const { serve } = require('@hono/node-server');
const app = require('./hono-export.cjs');

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
