/**
 * `volley logs [--worker N] [--since 5m] [--lines N] [--json] [--no-follow]`: prints the merged
 * log of a running server from its admin endpoint (GET /logs: the primary's backlog, then the
 * live records), like `pm2 logs`. Text as the merged log writes it, or the JSON records.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { parseAddress } from '../server/address.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: 500ms, 30s, 5m, 2h, 1d (a bare number is seconds). */
export function parseSince(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--since expects a duration such as 30s, 5m, 2h or 1d, got '${text}'`);
  return Number(m[1]) * UNITS[m[2] ?? 's']!;
}

/** One JSON record of GET /logs as the text format prints it. */
export function recordText(json: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const who = r.worker === 'primary' ? `primary ${r.pid}` : `worker ${r.worker} ${r.pid}`;
  const err = r.stream === 'stderr' ? ' stderr' : '';
  const prefix = `${r.time} [${who}${err}] `;
  const msg = typeof r.msg === 'string' ? r.msg : json;
  return `${prefix}${msg.split('\n').join(`\n${prefix}`)}`;
}

export interface LogsOptions {
  admin: string;
  token?: string;
  worker?: number;
  sinceMs?: number;
  lines?: number;
  json: boolean;
  follow: boolean;
  out: (line: string) => void;
}

/** Streams GET /logs until the server closes it (or, without follow, the backlog is printed). */
export function followLogs(options: LogsOptions): Promise<number> {
  const target = parseAddress(options.admin, '--admin');
  const where = target.kind === 'unix' ? { socketPath: target.path } : { host: target.host, port: target.port };
  const query = new URLSearchParams();
  if (options.worker !== undefined) query.set('worker', String(options.worker));
  if (options.sinceMs !== undefined) query.set('since', String(options.sinceMs));
  if (options.lines !== undefined) query.set('lines', String(options.lines));
  if (!options.follow) query.set('follow', '0');
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return new Promise((resolve, reject) => {
    const req = http.request({ ...where, method: 'GET', path: `/logs?${query}`, headers }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => {
          const why = /"error":"([^"]*)"/.exec(body)?.[1] ?? `the admin endpoint answered ${res.statusCode}`;
          console.error(
            `volley logs: ${res.statusCode === 404 ? 'this server has no GET /logs (older version?)' : why}`,
          );
          resolve(1);
        });
        return;
      }
      let pending = '';
      res.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        for (const line of lines) if (line) options.out(options.json ? line : recordText(line));
      });
      res.on('end', () => resolve(0));
      res.on('error', () => resolve(0));
    });
    req.on('error', (err) =>
      reject(new UsageError(`cannot reach the admin endpoint at ${options.admin}: ${err.message}`)),
    );
    req.end();
  });
}

export async function logsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      admin: { type: 'string' },
      'admin-token': { type: 'string' },
      worker: { type: 'string' },
      since: { type: 'string' },
      lines: { type: 'string' },
      json: { type: 'boolean' },
      'no-follow': { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError('volley logs takes no arguments');
  const admin = values.admin ?? process.env.VOLLEY_ADMIN;
  if (!admin) throw new UsageError('volley logs needs --admin ADDR (or $VOLLEY_ADMIN) of the running server');
  const count = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} expects a whole number, got '${text}'`);
    return Number(text);
  };
  const worker = count('worker', values.worker);
  const sinceMs = values.since !== undefined ? parseSince(values.since) : undefined;
  // Like pm2 logs: the last few lines, then the live ones; --since asks for a time span instead.
  const lines = count('lines', values.lines) ?? (sinceMs === undefined ? 20 : undefined);
  const token = values['admin-token'] ?? process.env.VOLLEY_ADMIN_TOKEN;
  return followLogs({
    admin,
    ...(token !== undefined ? { token } : {}),
    ...(worker !== undefined ? { worker } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(lines !== undefined ? { lines } : {}),
    json: values.json === true,
    follow: values['no-follow'] !== true,
    out: (line) => process.stdout.write(`${line}\n`),
  });
}
