// node:cluster (round-robin, Node's default on Linux) with N workers running the raw
// node:http hello handler of node-http.mjs. Each worker counts its requests; the primary
// answers GET /status on an admin port with the same shape as `volley serve --admin`:
// { primary: { pid }, workers: [{ id, pid, requests }] }.
//   node bench/servers/cluster.mjs <port> <admin-port> [workers=2]
import cluster from 'node:cluster';
import http from 'node:http';

const port = Number(process.argv[2]);
const adminPort = Number(process.argv[3]);
const count = Number(process.argv[4] ?? 2);

if (cluster.isPrimary) {
  let listeningWorkers = 0;
  const workers = [];
  for (let i = 1; i <= count; i++) {
    const w = cluster.fork({ BENCH_WORKER_ID: String(i) });
    w.on('listening', () => {
      if (++listeningWorkers === count) admin.listen(adminPort, '127.0.0.1', () => console.log(`listening ${port}`));
    });
    workers.push({ id: i, worker: w });
  }
  const ask = ({ id, worker }) =>
    new Promise((resolve) => {
      const onMessage = (m) => {
        if (m?.bench !== 'count') return;
        worker.off('message', onMessage);
        resolve({ id, pid: worker.process.pid, requests: m.requests });
      };
      worker.on('message', onMessage);
      worker.send({ bench: 'count' });
    });
  const admin = http.createServer(async (_req, res) => {
    const body = JSON.stringify({ primary: { pid: process.pid }, workers: await Promise.all(workers.map(ask)) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const stop = () => {
    for (const { worker } of workers) worker.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 200).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  cluster.on('exit', (w, code, signal) => {
    if (!w.exitedAfterDisconnect && code !== 0 && signal !== 'SIGTERM') console.error(`worker ${w.process.pid} died`);
  });
} else {
  let requests = 0;
  http
    .createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 11 });
      res.end('Hello World');
    })
    .listen(port, '127.0.0.1');
  process.on('message', (m) => {
    if (m?.bench === 'count') process.send({ bench: 'count', requests });
  });
  process.once('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
