// Express 5 with its defaults (ETag, x-powered-by left as a user gets them).
import express from 'express';
import { args, colonPath, githubRoutes, listening, paramsText } from './common.mjs';

const [scenario, port] = args();
const app = express();

if (scenario === 'hello') {
  app.get('/', (_req, res) => {
    res.send('Hello World');
  });
} else if (scenario === 'json') {
  app.post('/json', express.json(), (req, res) => {
    res.json(req.body);
  });
} else {
  for (const { method, path, names } of githubRoutes()) {
    app[method.toLowerCase()](colonPath(path), (req, res) => {
      res.send(paramsText(names, (n) => req.params[n]));
    });
  }
}

app.listen(port, '127.0.0.1', () => listening(port));
