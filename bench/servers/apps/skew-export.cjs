// The skewed app of the `skew` bench section (issue 19): a node:http hello whose every 50th
// request in a worker blocks that worker's event loop for 20 ms (a slow JSON.parse, a sync
// crypto call, a GC pause). Exported as a request listener for volley serve. GET /block?ms=N
// answers, then blocks the worker that took it for N ms (the section's blocked-worker case).
const BLOCK_EVERY = 50;
const BLOCK_MS = 20;

let served = 0;
module.exports = (req, res) => {
  if (req.url.startsWith('/block')) {
    const ms = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 2000);
    res.end('blocking', () => setTimeout(() => busy(ms), 5));
    return;
  }
  if (++served % BLOCK_EVERY === 0) busy(BLOCK_MS);
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 11 });
  res.end('Hello World');
};

function busy(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the loop accepts nothing meanwhile
  }
}
