// Raw node:http: the baseline. For the GitHub scenario it answers the one measured route
// with a hand-written split (no route table), i.e. the ceiling a router could reach.
import http from 'node:http';
import { args, listening } from './common.mjs';

const [scenario, port] = args();

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const handlers = {
  hello(_req, res) {
    send(res, 200, 'text/plain; charset=utf-8', 'Hello World');
  },
  json(req, res) {
    if (req.method !== 'POST' || req.url !== '/json') return send(res, 404, 'text/plain', 'Not Found');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let value;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(res, 400, 'text/plain', 'Bad Request');
      }
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
    });
  },
  github(req, res) {
    const parts = req.url.split('/');
    if (req.method === 'GET' && parts.length === 5 && parts[1] === 'repos' && parts[4] === 'issues') {
      return send(res, 200, 'text/plain; charset=utf-8', `${parts[2]}/${parts[3]}`);
    }
    send(res, 404, 'text/plain', 'Not Found');
  },
};

http.createServer(handlers[scenario]).listen(port, '127.0.0.1', () => listening(port));
