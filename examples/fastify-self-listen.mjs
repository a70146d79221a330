// A Fastify app that starts its own server, as most do: `volley serve examples/fastify-self-listen.mjs`.
// Each worker sees $PORT set to the first --listen port; its listen() on that port is handed the
// worker's SO_REUSEPORT socket instead of binding one. A listen() on any other port is not touched.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'fastify', worker: Number(process.env.VOLLEY_WORKER_ID ?? 0) }));

// The app's own SIGTERM handler runs when its worker stops (after the drain), as under any
// process manager; app.close() runs Fastify's onClose hooks.
process.on('SIGTERM', () => app.close());

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
