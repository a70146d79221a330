// A Hono app (any `export default { fetch }` module works the same way):
// `volley serve examples/hono-app.ts --listen 127.0.0.1:8080`.
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text(`Hello from Hono in worker ${process.env.VOLLEY_WORKER_ID ?? '-'}`));
app.get('/stream', (c) => {
  // Bodies stream both ways: the client sees each chunk as it is written.
  const body = new ReadableStream({
    async start(controller) {
      for (let i = 1; i <= 3; i++) {
        controller.enqueue(new TextEncoder().encode(`chunk ${i}\n`));
        await new Promise((r) => setTimeout(r, 200));
      }
      controller.close();
    },
  });
  return c.body(body, 200, { 'content-type': 'text/plain' });
});

export default app;
