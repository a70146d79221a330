// The seed's Hello World: `volley serve examples/hello.ts` (0.0.0.0:7878, one worker per CPU),
// or `npx tsx examples/hello.ts` for a single process.
import { Router, Server, TcpListener } from 'volley';

const router = new Router().get(() => 'Hello World');
router.push(new Router('hello/{name}').get((req) => `Hello, ${req.param('name')}!`));

export default router;

// Run directly (not under `volley serve`): one process on 0.0.0.0:7878.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = new Server(new TcpListener('0.0.0.0:7878'));
  process.once('SIGINT', () => void server.stopGraceful(5000));
  process.once('SIGTERM', () => void server.stopGraceful(5000));
  server.ready().then(() => console.log('listening on http://0.0.0.0:7878'));
  await server.serve(router);
}
