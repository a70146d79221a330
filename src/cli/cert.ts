import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from 'selfsigned';
import { UsageError } from '../errors.js';

/**
 * `volley cert [--out DIR] [--host NAME]... [--days N] [--force]`: writes a self-signed
 * certificate for local development (DIR/localhost.crt, DIR/localhost.key; EC P-256,
 * SHA-256, SANs localhost, 127.0.0.1, ::1 and each --host). Never for production.
 */
export async function certCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      host: { type: 'string', multiple: true },
      days: { type: 'string' },
      force: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError('volley cert takes no arguments (see volley --help)');
  const days = values.days === undefined ? 365 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new UsageError(`--days expects an integer from 1 to 3650, got '${values.days}'`);
  }
  const dir = values.out ?? 'certs';
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  if (!values.force && (existsSync(certPath) || existsSync(keyPath))) {
    throw new UsageError(`${certPath} or ${keyPath} exists already (use --force to replace them)`);
  }
  const hosts = ['localhost', ...(values.host ?? [])];
  const notAfter = new Date(Date.now() + days * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: hosts[0]! }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...hosts.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(certPath, pems.cert);
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  console.log(
    `volley cert: wrote ${certPath} and ${keyPath} (self-signed for ${hosts.join(', ')}, valid ${days} days; for development only)\n` +
      `serve with: volley serve app.ts --tls-cert ${certPath} --tls-key ${keyPath} --http2`,
  );
  return 0;
}
