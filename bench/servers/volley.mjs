// Volley, one process (Server + TcpListener), the way the README shows it.
import { Router, Server, TcpListener } from 'volley';
import { args, githubRoutes, listening, paramsText } from './common.mjs';

const [scenario, port] = args();

const root = new Router();
if (scenario === 'hello') {
  root.get(() => 'Hello World');
} else if (scenario === 'json') {
  root.push(new Router('json').post(async (req) => req.json()));
} else {
  // One router per path with a method child per verb, as Salvo apps are written.
  const byPath = new Map();
  for (const { method, path, names } of githubRoutes()) {
    let r = byPath.get(path);
    if (!r) {
      r = new Router(path);
      byPath.set(path, r);
      root.push(r);
    }
    r[method.toLowerCase()]((req) => paramsText(names, (n) => req.param(n)));
  }
}

const server = new Server(new TcpListener(`127.0.0.1:${port}`));
server.ready().then(() => listening(port));
await server.serve(root);
