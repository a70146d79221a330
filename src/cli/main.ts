/**
 * The `volley` command: `serve` runs the supervisor; `status`, `reload`, `stop`, `scale` and `top`
 * talk to a running primary through its admin endpoint.
 */
import { parseArgs } from 'node:util';
import { AddressError, UsageError, VolleyError } from '../errors.js';
import { serveCluster } from '../serve-cluster.js';
import { VERSION } from '../version.js';
import { callAdmin } from './admin-client.js';
import { certCommand } from './cert.js';
import { parseServeOptions } from './serve-options.js';
import { formatStatusTable } from './status-table.js';
import { topCommand } from './top.js';

const USAGE = `volley ${VERSION}

Usage:
  volley serve <app-module> [options]   serve an app from N SO_REUSEPORT worker processes
  volley status [--admin ADDR]          show the workers of a running server
  volley reload [--admin ADDR]          rolling reload (new workers load the app anew)
  volley stop   [--admin ADDR]          graceful stop
  volley scale N [--admin ADDR]         change the number of workers
  volley top    [--admin ADDR]          live view of the workers (q to quit; --interval MS, default 1000)
  volley cert   [--out DIR] [--host NAME]... [--days N] [--force]
                                        write a self-signed localhost certificate for development

serve options:
  --listen ADDR            host:port, [v6]:port or unix:/path (repeatable; default 0.0.0.0:$PORT or 0.0.0.0:7878)
  --workers N|auto         worker processes (default auto: usable CPUs, cgroup quota and affinity)
  --admin ADDR             admin endpoint, loopback host:port or unix:/path
  --admin-token T          bearer token required for POST admin calls
  --log-format text|json   merged log format (default text)
  --log-file PATH          write the merged log to PATH instead of stdout (SIGUSR1 reopens it)
  --log-max-size SIZE      rotate the log file at this size (default 10M)
  --log-keep N             rotated files kept as PATH.1 ... PATH.N (default 5)
  --heartbeat-timeout MS   replace a worker whose event loop does not answer (default 10000)
  --shutdown-timeout MS    how long a draining worker may take (default 30000)
  --shutdown-delay MS      on SIGTERM keep serving this long while /readyz says 503 (default 0)
  --max-memory MB          recycle a worker whose RSS passes this
  --max-requests N         recycle a worker after N requests
  --max-requests-jitter N  add 0..N to --max-requests per worker
  --cpu-affinity           pin worker i to CPU i and steer connections by CPU
  --tls-cert PATH          serve TLS with this certificate (PEM; read again on reload)
  --tls-key PATH           ... and this private key
  --tls-ca PATH            extra CA certificates (chain)
  --http2                  HTTP/2 over TLS (ALPN), HTTP/1.1 still accepted
  --join-port              share a TCP port another process listens on (else refused)

The admin address of the control commands defaults to $VOLLEY_ADMIN; the token to $VOLLEY_ADMIN_TOKEN.
`;

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`--${name} expects an integer >= ${min}, got '${value}'`);
  }
  return Number(value);
}

async function control(command: string, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { admin: { type: 'string' }, 'admin-token': { type: 'string' }, json: { type: 'boolean' } },
  });
  const admin = values.admin ?? process.env.VOLLEY_ADMIN;
  if (!admin) throw new UsageError(`volley ${command} needs --admin ADDR (or $VOLLEY_ADMIN) of the running server`);
  const token = values['admin-token'] ?? process.env.VOLLEY_ADMIN_TOKEN;
  let reply: Awaited<ReturnType<typeof callAdmin>>;
  if (command === 'status') {
    if (positionals.length > 0) throw new UsageError('volley status takes no arguments');
    reply = await callAdmin(admin, 'GET', '/status', token);
    if (reply.status === 200) {
      console.log(values.json ? JSON.stringify(reply.body, null, 2) : formatStatusTable(reply.body as never));
      return 0;
    }
  } else if (command === 'scale') {
    const n = integer('workers', positionals[0], 1);
    if (n === undefined || positionals.length !== 1) throw new UsageError('usage: volley scale N [--admin ADDR]');
    reply = await callAdmin(admin, 'POST', `/scale?workers=${n}`, token);
  } else {
    if (positionals.length > 0) throw new UsageError(`volley ${command} takes no arguments`);
    reply = await callAdmin(admin, 'POST', `/${command}`, token);
  }
  const body = reply.body as { error?: string; status?: string };
  if (reply.status >= 400) {
    console.error(`volley ${command}: ${body?.error ?? `admin endpoint answered ${reply.status}`}`);
    return 1;
  }
  console.log(`volley ${command}: ${body?.status ?? 'ok'}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCluster(parseServeOptions(rest));
    case 'cert':
      return certCommand(rest);
    case 'status':
    case 'reload':
    case 'stop':
    case 'scale':
      return control(command, rest);
    case 'top':
      return topCommand(rest);
    case '--version':
    case '-v':
      console.log(VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}' (try volley --help)`);
  }
}

/** Runs the `volley` command with these arguments and exits with its code (bin/volley.js calls it). */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // Our own errors (StartupError among them) and parseArgs' are messages for the user;
      // anything else is a bug, printed whole.
      const parseError = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
      if (err instanceof VolleyError || parseError) console.error(`volley: ${(err as Error).message}`);
      else console.error('volley:', err);
      process.exit(err instanceof UsageError || err instanceof AddressError || parseError ? 2 : 1);
    },
  );
}
