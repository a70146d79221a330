// An Express app, unchanged, on every core: `volley serve examples/express-app.mjs --listen 127.0.0.1:8080`.
// volley serve takes the exported app (a request listener) and serves it from each worker with
// Volley's own server, so TLS flags, graceful drain, reloads and /metrics all apply.
import express from 'express';

const app = express();
app.use(express.json());
app.get('/', (_req, res) => res.send(`Hello from Express in worker ${process.env.VOLLEY_WORKER_ID ?? '-'}`));
app.post('/echo', (req, res) => res.json(req.body));

export default app;

// Closing a database pool, flushing a queue: runs in each worker after its requests drained.
export async function onStop() {
  console.log(`worker ${process.env.VOLLEY_WORKER_ID}: closing resources`);
}
