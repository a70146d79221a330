import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface CertFiles {
  dir: string;
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
  remove(): void;
}

/** A fresh self-signed localhost certificate (EC P-256: quick to make) written to a temp dir. */
export async function makeCert(commonName = 'localhost'): Promise<CertFiles> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'volley-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private);
  return {
    dir,
    cert,
    key,
    certPem: pems.cert,
    keyPem: pems.private,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
