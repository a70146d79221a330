/** The `volley` command's help texts; serve's options come from the option table. */
import { envName, flagSynopsis, type OptionSpec, SERVE_OPTIONS } from '../config/options.js';
import { VERSION } from '../version.js';

function serveOptionLines(): string {
  const specs = (SERVE_OPTIONS as readonly OptionSpec[]).filter((s) => s.key !== 'app');
  const rows: [string, string][] = [
    ...specs.map((s): [string, string] => [
      flagSynopsis(s),
      s.help + (s.list ? ' (repeatable)' : '') + (s.default ? ` (default ${s.default})` : ''),
    ]),
    ['--config PATH', 'read options from this file (default: the first volley.config.{ts,mts,js,mjs,cjs,json} here)'],
    ['--print-config', 'print the effective options and where each came from, and exit'],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}${wrap(help, 100 - width - 2, width + 2)}`).join('\n');
}

/** Wraps text at word boundaries to `columns`, indenting the continuation lines. */
function wrap(text: string, columns: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export const COMMANDS_USAGE = `Usage:
  volley serve [<app-module>] [options] serve an app from N SO_REUSEPORT worker processes
  volley status [--admin ADDR] [--json] show the workers of a running server
  volley reload [--admin ADDR]          rolling reload (new workers load the app anew)
  volley upgrade [--admin ADDR]         replace the primary itself, sockets handed over (also SIGUSR2)
  volley stop   [--admin ADDR]          graceful stop
  volley scale N [--admin ADDR]         change the number of workers
  volley top    [--admin ADDR]          live view of the workers (q to quit; --interval MS, default 1000)
  volley logs   [--admin ADDR] [--worker N] [--since 5m] [--json]
                                        follow the merged log (the last 20 lines, then live)
  volley cert   [--out DIR] [--host NAME]... [--days N] [--force]
                                        write a self-signed localhost certificate for development
  volley help [COMMAND]                 this text, or a command's options

The admin address of the control commands defaults to $VOLLEY_ADMIN; the token to $VOLLEY_ADMIN_TOKEN.`;

export function mainUsage(): string {
  return `volley ${VERSION}\n\n${COMMANDS_USAGE}\n\nserve options (volley help serve for more):\n${serveOptionLines()}\n`;
}

export function serveUsage(): string {
  const env = (SERVE_OPTIONS as readonly OptionSpec[])
    .flatMap((s) => (envName(s) ? [envName(s)!] : []))
    .slice(0, 3)
    .join(', ');
  return `Usage: volley serve [<app-module>] [options]

<app-module> (.js .mjs .cjs .ts .mts .cts, in a package of either type) exports a Volley Router or
Service, a request listener (Express, Connect, Koa), an object with fetch(request) (Hono), a
node:http/https/http2 or Fastify server that does not listen yet, or nothing when it listens
itself on $PORT (docs/any-app.md). It may come from the config file's \`app\` key instead.

Options:
${serveOptionLines()}

Every option can also be set in a config file (its camelCase key: shutdownTimeout) and most in a
variable (${env}, ...). Flags win over variables, variables over the file. See docs/serve.md.
`;
}

export const CONTROL_USAGE: Record<string, string> = {
  status: 'Usage: volley status [--admin ADDR] [--admin-token T] [--json]\n  show the workers of a running server',
  reload: 'Usage: volley reload [--admin ADDR] [--admin-token T]\n  rolling reload: new workers load the app anew',
  upgrade:
    'Usage: volley upgrade [--admin ADDR] [--admin-token T]\n  replace the primary itself (new Volley, app or Node) without dropping a connection',
  stop: 'Usage: volley stop [--admin ADDR] [--admin-token T]\n  graceful stop',
  scale: 'Usage: volley scale N [--admin ADDR] [--admin-token T]\n  change the number of workers to N (1 or more)',
  top: 'Usage: volley top [--admin ADDR] [--admin-token T] [--interval MS]\n  live view of the workers (q to quit; --interval default 1000)',
  logs: 'Usage: volley logs [--admin ADDR] [--admin-token T] [--worker N] [--since 5m] [--lines N] [--json] [--no-follow]\n  follow the merged log of a running server: the last 20 lines (or those of --since; the primary keeps the newest 10,000), then live ones\n  --worker N  only worker N (0: the primary)  --json  the JSON records  --no-follow  print and exit',
  cert: 'Usage: volley cert [--out DIR] [--host NAME]... [--days N] [--force]\n  write a self-signed localhost certificate for development',
};
