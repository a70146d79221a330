// Volley, one process: POST /json with the ~1 KB order JSON (bench/single.ts JSON_BODY), echoed
// back, either read with req.json() (`plain`) or validated by endpoint() with a schema for the
// whole order in zod, valibot, arktype or TypeBox (compiled by ajv). `node volley-validated.mjs <variant> <port>`.
import { endpoint, Router, Server, TcpListener } from 'volley';
import { listening } from './common.mjs';
import { schemas } from './order-schemas.mjs';

const VARIANTS = ['plain', 'zod', 'valibot', 'arktype', 'typebox'];
const variant = process.argv[2];
const port = Number(process.argv[3]);
if (!VARIANTS.includes(variant) || !Number.isInteger(port) || port <= 0) {
  console.error(`usage: node ${process.argv[1]} <${VARIANTS.join('|')}> <port>`);
  process.exit(2);
}

const route =
  variant === 'plain'
    ? new Router('json').post(async (req) => req.json())
    : new Router('json').post(endpoint({ body: schemas[variant]() }, (req) => req.valid.body));

const server = new Server(new TcpListener(`127.0.0.1:${port}`));
server.ready().then(() => listening(port));
await server.serve(new Router().push(route));
