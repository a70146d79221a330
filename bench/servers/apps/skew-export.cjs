// The skewed app of the `skew` bench section (issue 19): a node:http hello whose every 50th
// request in a worker blocks that worker's event loop for 20 ms (a slow JSON.parse, a sync
// crypto call, a GC pause). Exported as a request listener for volley serve.
const BLOCK_EVERY = 50;
const BLOCK_MS = 20;

let served = 0;
module.exports = (_req, res) => {
  if (++served % BLOCK_EVERY === 0) {
    const until = performance.now() + BLOCK_MS;
    while (performance.now() < until) {
      // busy: the loop accepts nothing meanwhile
    }
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 11 });
  res.end('Hello World');
};
