/**
 * The `volley` command: `serve` runs the supervisor; `status`, `reload`, `upgrade`, `stop`, `scale`, `top`
 * and `logs`
 * talk to a running primary through its admin endpoint.
 */
import { parseArgs } from 'node:util';
import { AddressError, UsageError, VolleyError } from '../errors.js';
import { VERSION } from '../version.js';
import { callAdmin } from './admin-client.js';
import { certCommand } from './cert.js';
import { logsCommand } from './logs.js';
import { serveCommand } from './serve-command.js';
import { formatStatusTable } from './status-table.js';
import { closest, unknownOptionMessage } from './suggest.js';
import { topCommand } from './top.js';
import { CONTROL_USAGE, mainUsage, serveUsage } from './usage.js';

const COMMANDS = ['serve', 'status', 'reload', 'upgrade', 'stop', 'scale', 'top', 'logs', 'cert', 'help'];

/** Options of `volley serve` that users type at the control commands, and what they meant. */
const CONTROL_HINTS: Record<string, string> = {
  w: 'to change the number of workers of a running server: volley scale N',
  workers: 'to change the number of workers of a running server: volley scale N',
  listen: 'the control commands reach the server through --admin ADDR (its admin endpoint)',
};

const CONTROL_OPTIONS = {
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseControl(command: string, args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: CONTROL_OPTIONS });
  } catch (err) {
    const option = /'([^']+)'/.exec((err as Error).message)?.[1];
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
      const known = Object.keys(CONTROL_OPTIONS).filter((o) => command === 'status' || o !== 'json');
      throw new UsageError(unknownOptionMessage(command, option, known, CONTROL_HINTS));
    }
    throw err;
  }
}

/** `volley scale N`'s N: the message names N, the command's argument, not a flag the user never typed. */
function scaleCount(positionals: string[]): number {
  const text = positionals[0];
  if (text === undefined || positionals.length !== 1) throw new UsageError('usage: volley scale N [--admin ADDR]');
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new UsageError(`volley scale N: N is the number of workers, an integer >= 1, got '${text}'`);
  }
  return Number(text);
}

async function control(command: string, args: string[]): Promise<number> {
  const { values, positionals } = parseControl(command, args);
  if (values.help) {
    console.log(CONTROL_USAGE[command]);
    return 0;
  }
  // Arguments first: a wrong one is the mistake to report, whether or not an admin address is set.
  const workers = command === 'scale' ? scaleCount(positionals) : undefined;
  if (command !== 'scale' && positionals.length > 0) throw new UsageError(`volley ${command} takes no arguments`);
  const admin = values.admin ?? process.env.VOLLEY_ADMIN;
  if (!admin) throw new UsageError(`volley ${command} needs --admin ADDR (or $VOLLEY_ADMIN) of the running server`);
  const token = values['admin-token'] ?? process.env.VOLLEY_ADMIN_TOKEN;
  let reply: Awaited<ReturnType<typeof callAdmin>>;
  if (command === 'status') {
    reply = await callAdmin(admin, 'GET', '/status', token);
    if (reply.status === 200) {
      console.log(values.json ? JSON.stringify(reply.body, null, 2) : formatStatusTable(reply.body as never));
      return 0;
    }
  } else if (command === 'scale') {
    reply = await callAdmin(admin, 'POST', `/scale?workers=${workers}`, token);
  } else {
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

function help(command: string | undefined): number {
  if (command === undefined) console.log(mainUsage());
  else if (command === 'serve') console.log(serveUsage());
  else if (CONTROL_USAGE[command]) console.log(CONTROL_USAGE[command]);
  else throw new UsageError(`volley help: no command '${command}' (commands: ${COMMANDS.join(', ')})`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // top and cert parse their own flags; --help is answered here for them.
  if (
    (command === 'top' || command === 'logs' || command === 'cert') &&
    (rest.includes('--help') || rest.includes('-h'))
  ) {
    return help(command);
  }
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'cert':
      return certCommand(rest);
    case 'status':
    case 'reload':
    case 'upgrade':
    case 'stop':
    case 'scale':
      return control(command, rest);
    case 'top':
      return topCommand(rest);
    case 'logs':
      return logsCommand(rest);
    case '--version':
    case '-v':
      console.log(VERSION);
      return 0;
    case 'help':
      return help(rest[0]);
    case undefined:
    case '--help':
    case '-h':
      console.log(mainUsage());
      return command === undefined ? 2 : 0;
    default: {
      const meant = closest(command, COMMANDS);
      throw new UsageError(
        `unknown command '${command}'${meant ? `; did you mean volley ${meant}?` : ''} (try volley --help)`,
      );
    }
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
