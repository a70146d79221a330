// A small upstream for the gateway example: `node --import tsx examples/gateway-upstream.ts PORT NAME`
// (or `npx tsx ...`). It answers every path with JSON naming itself, the path and the forwarded
// headers; `?delay=MS` makes it slow (to see the gateway's 504).
import http from 'node:http';

const port = Number(process.argv[2] ?? 9101);
const name = process.argv[3] ?? 'upstream';

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const delay = Number(url.searchParams.get('delay') ?? 0);
  setTimeout(() => {
    const body = JSON.stringify({
      service: name,
      method: req.method,
      path: url.pathname,
      requestId: req.headers['x-request-id'] ?? null,
      forwardedFor: req.headers['x-forwarded-for'] ?? null,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }, delay);
});

server.listen(port, '127.0.0.1', () => console.log(`${name} upstream on http://127.0.0.1:${port}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close());
