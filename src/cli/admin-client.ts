import http from 'node:http';
import { UsageError } from '../errors.js';
import { parseAddress } from '../server/address.js';

export interface AdminReply {
  status: number;
  body: unknown;
}

/** Calls a running primary's admin endpoint (`--admin ADDR` or $VOLLEY_ADMIN). */
export function callAdmin(address: string, method: 'GET' | 'POST', path: string, token?: string): Promise<AdminReply> {
  const target = parseAddress(address, '--admin');
  const where = target.kind === 'unix' ? { socketPath: target.path } : { host: target.host, port: target.port };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { ...where, method, path, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // plain text (e.g. /metrics)
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', (err) =>
      reject(new UsageError(`cannot reach the admin endpoint at ${address}: ${(err as Error).message}`)),
    );
    req.end();
  });
}
