// An API gateway: JWT auth in front, a rate limit shared by all workers (or all machines, with
// Redis), request ids, an access log, and two upstream services behind `proxy()` with their own
// timeouts (unreachable upstream -> 502, too slow -> 504).
//
//   node examples/gateway-upstream.ts 9101 users & node examples/gateway-upstream.ts 9102 orders &
//   JWT_SECRET=... volley serve examples/gateway.ts --workers 4 --listen 0.0.0.0:8080
//
// Environment: UPSTREAM_USERS, UPSTREAM_ORDERS (default http://127.0.0.1:9101 and :9102),
// JWT_SECRET (HS256), RATE_LIMIT (requests per minute per user, default 100),
// VOLLEY_REDIS_URL (share the rate limit across machines). The gateway describes itself at
// /openapi.json: the proxied routes are endpoint()s without schemas, documented with the JWT
// scheme of the hoop in front of them.
import { Type } from '@sinclair/typebox';
import { Redis } from 'ioredis';
import {
  accessLog,
  endpoint,
  jwtAuth,
  jwtClaims,
  OpenApi,
  proxy,
  Router,
  rateLimiter,
  redisStore,
  requestId,
  Service,
  workerSharedStore,
} from 'volley';

const users = process.env.UPSTREAM_USERS ?? 'http://127.0.0.1:9101';
const orders = process.env.UPSTREAM_ORDERS ?? 'http://127.0.0.1:9102';
const secret = process.env.JWT_SECRET ?? 'development-secret-change-me-32bytes!!';
const limit = Number(process.env.RATE_LIMIT ?? 100);
const redisUrl = process.env.VOLLEY_REDIS_URL;

// One limit for the whole machine (the primary holds the counters), or for every machine.
const store = redisUrl ? redisStore(new Redis(redisUrl)) : workerSharedStore();

const api = new Router('api')
  .hoop(jwtAuth({ secret, algorithms: ['HS256'] }))
  .hoop(
    rateLimiter({
      max: limit,
      windowMs: 60_000,
      store,
      prefix: 'gateway:',
      // Per user (the token's subject); the auth hoop above already refused anonymous calls.
      key: (_req, depot) => `user:${jwtClaims(depot)?.sub ?? 'unknown'}`,
    }),
  )
  .push(
    new Router('users/{**rest}').goal(
      endpoint(
        { summary: 'The users service (proxied)', tags: ['users'] },
        proxy(users, { connectTimeout: 1000, headersTimeout: 2000, bodyTimeout: 10_000 }),
      ),
    ),
  )
  .push(
    new Router('orders/{**rest}').goal(
      endpoint(
        { summary: 'The orders service (proxied)', tags: ['orders'] },
        proxy(orders, { connectTimeout: 1000, headersTimeout: 5000, bodyTimeout: 30_000 }),
      ),
    ),
  );

const health = endpoint(
  {
    summary: 'This gateway worker is up',
    responses: { 200: Type.Object({ ok: Type.Boolean(), worker: Type.Integer() }) },
  },
  () => ({ ok: true, worker: Number(process.env.VOLLEY_WORKER_ID ?? 0) }),
);

const router = new Router().push(new Router('healthz').get(health)).push(api);
router.push(new OpenApi('Gateway', '1.0.0').mergeRouter(router).intoRouter('openapi.json'));

export default new Service(router).hoop(requestId()).hoop(accessLog());
