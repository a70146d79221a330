// Shared by the HTTP/2 benchmark servers (plain ESM, run from the repository root):
// `node bench/servers/h2-<name>.mjs <port> <cert.pem> <key.pem>`, prints `listening <port>`.
import { readFileSync } from 'node:fs';

export function h2args() {
  const port = Number(process.argv[2]);
  const [certPath, keyPath] = process.argv.slice(3, 5);
  if (!Number.isInteger(port) || port <= 0 || !certPath || !keyPath) {
    console.error(`usage: node ${process.argv[1]} <port> <cert.pem> <key.pem>`);
    process.exit(2);
  }
  return { port, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

export function listening(port) {
  console.log(`listening ${port}`);
}

process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
