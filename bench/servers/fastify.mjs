// Fastify with its defaults (no logger).
import Fastify from 'fastify';
import { args, colonPath, githubRoutes, listening, paramsText } from './common.mjs';

const [scenario, port] = args();
const app = Fastify({ logger: false });

if (scenario === 'hello') {
  app.get('/', (_req, reply) => {
    reply.send('Hello World');
  });
} else if (scenario === 'json') {
  app.post('/json', (req, reply) => {
    reply.send(req.body);
  });
} else {
  for (const { method, path, names } of githubRoutes()) {
    app.route({
      method,
      url: colonPath(path),
      handler: (req, reply) => {
        reply.send(paramsText(names, (n) => req.params[n]));
      },
    });
  }
}

await app.listen({ host: '127.0.0.1', port });
listening(port);
