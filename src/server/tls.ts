import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { VolleyError } from '../errors.js';

/** A TLS certificate or key given as a path, or as PEM text or bytes. */
export type PemSource = string | Buffer;

export interface TlsOptions {
  cert: PemSource;
  key: PemSource;
  /** Extra CA certificates (for a chain, or client verification). */
  ca?: PemSource | PemSource[];
  passphrase?: string;
}

/** TLS material read and checked: what Node's TLS servers take, plus where it came from. */
export interface ResolvedTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer[];
  passphrase?: string;
  /** For messages: the file each part came from, or 'PEM text'. */
  sources: { cert: string; key: string };
}

/** TLS configuration that cannot be used: a missing file, bad PEM, a key that does not match. */
export class TlsConfigError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_TLS', message, { cause });
  }
}

function isPemText(source: PemSource): boolean {
  return Buffer.isBuffer(source) || source.includes('-----BEGIN');
}

function read(source: PemSource, what: string): { data: Buffer; from: string } {
  if (Buffer.isBuffer(source)) return { data: source, from: `${what} (bytes)` };
  if (isPemText(source)) return { data: Buffer.from(source), from: `${what} (PEM text)` };
  try {
    return { data: readFileSync(source), from: source };
  } catch (err) {
    throw new TlsConfigError(`cannot read the TLS ${what} file ${source}: ${(err as Error).message}`, err);
  }
}

/**
 * Reads the certificate, key and CA (paths are read now, so a renewal takes effect in the
 * next process that loads them) and checks them with Node's TLS stack, so a bad or
 * mismatched pair fails here with a message that names the files, not at the first handshake.
 * TLS 1.2 is the minimum; ciphers are Node's defaults.
 */
export function loadTls(options: TlsOptions): ResolvedTls {
  const cert = read(options.cert, 'certificate');
  const key = read(options.key, 'key');
  const cas = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  const ca = cas.map((c) => read(c, 'CA').data);
  const resolved: ResolvedTls = {
    cert: cert.data,
    key: key.data,
    ...(ca.length > 0 ? { ca } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    sources: { cert: cert.from, key: key.from },
  };
  try {
    createSecureContext({ ...secureContextOptions(resolved) });
  } catch (err) {
    throw new TlsConfigError(
      `TLS certificate ${cert.from} and key ${key.from} cannot be used together: ${(err as Error).message}`,
      err,
    );
  }
  return resolved;
}

/** Options for tls/https/http2 secure servers. */
export function secureContextOptions(tls: ResolvedTls) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    minVersion: 'TLSv1.2' as const,
  };
}
