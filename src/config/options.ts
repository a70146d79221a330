/**
 * The one table of `volley serve`'s options. The flag parser (cli/serve-flags.ts), the config
 * file's checks (config/config-values.ts), `volley serve --help`, the options table of
 * docs/serve.md and volley.schema.json (both written by scripts/gen-config-docs.mjs, checked by
 * options.test.ts) are all made from it, so they cannot disagree.
 *
 * Each option has one name in each place: the config key (`shutdownTimeout`), the flag
 * (`--shutdown-timeout`) and the environment variable (`VOLLEY_SHUTDOWN_TIMEOUT`).
 */

/** How an option's value is written. Flags and variables are strings; a config file has JSON types. */
export type OptionKind =
  | 'string' // any text
  | 'path' // a file or directory; in a config file relative to the file
  | 'integer' // 0 or more
  | 'size' // bytes: 10485760, 512K, 10M, 1G (a config file may give a number)
  | 'boolean' // a flag without value; in a variable 1/true/0/false
  | 'workers' // an integer or 'auto'
  | 'enum'; // one of `values`

export interface OptionSpec {
  readonly key: string;
  readonly flag: string;
  readonly kind: OptionKind;
  /** Repeatable flag; a config file gives a string or an array, a variable a comma-separated list. */
  readonly list?: boolean;
  readonly values?: readonly string[];
  /** The value's name in the help text: `--workers N|auto`. */
  readonly arg?: string;
  readonly help: string;
  /** The default, as the help text and docs say it. */
  readonly default?: string;
  /** Not read from the environment: the variable name is taken by something else. */
  readonly noEnv?: string;
}

export const SERVE_OPTIONS = [
  {
    key: 'app',
    flag: 'app',
    kind: 'path',
    arg: 'MODULE',
    help: 'the app module (default export: Router or Service); usually given as `volley serve MODULE`',
  },
  {
    key: 'listen',
    flag: 'listen',
    kind: 'string',
    list: true,
    arg: 'ADDR',
    help: 'host:port, [v6]:port or unix:/path; a bare port (8080) means 0.0.0.0:8080 on every IPv4 address',
    default: '0.0.0.0:$PORT, else 0.0.0.0:7878',
  },
  {
    key: 'workers',
    flag: 'workers',
    kind: 'workers',
    arg: 'N|auto',
    help: 'worker processes; auto = usable CPUs (affinity mask, cgroup CPU quota)',
    default: 'auto',
  },
  {
    key: 'admin',
    flag: 'admin',
    kind: 'string',
    arg: 'ADDR',
    help: 'admin endpoint: loopback host:port (any address with a token) or unix:/path',
    default: 'off',
    noEnv: 'VOLLEY_ADMIN is the address the control commands (volley status, reload...) call',
  },
  {
    key: 'adminToken',
    flag: 'admin-token',
    kind: 'string',
    arg: 'T',
    help: 'bearer token required for POST admin calls',
    noEnv: 'VOLLEY_ADMIN_TOKEN is the token the control commands send',
  },
  {
    key: 'logFormat',
    flag: 'log-format',
    kind: 'enum',
    values: ['text', 'json'],
    help: 'merged log format',
    default: 'text',
  },
  {
    key: 'logFile',
    flag: 'log-file',
    kind: 'path',
    arg: 'PATH',
    help: 'write the merged log to PATH instead of stdout (rotated; SIGUSR1 reopens it)',
    default: 'stdout',
  },
  {
    key: 'logMaxSize',
    flag: 'log-max-size',
    kind: 'size',
    arg: 'SIZE',
    help: 'rotate the log file at this size',
    default: '10M',
  },
  {
    key: 'logKeep',
    flag: 'log-keep',
    kind: 'integer',
    arg: 'N',
    help: 'rotated files kept as PATH.1 ... PATH.N',
    default: '5',
  },
  {
    key: 'heartbeatTimeout',
    flag: 'heartbeat-timeout',
    kind: 'integer',
    arg: 'MS',
    help: 'replace a worker whose event loop does not answer for this long',
    default: '10000',
  },
  {
    key: 'shutdownTimeout',
    flag: 'shutdown-timeout',
    kind: 'integer',
    arg: 'MS',
    help: 'how long a draining worker may take before it is killed',
    default: '30000',
  },
  {
    key: 'shutdownDelay',
    flag: 'shutdown-delay',
    kind: 'integer',
    arg: 'MS',
    help: 'on SIGTERM keep serving this long while /readyz says 503',
    default: '0',
  },
  {
    key: 'maxMemory',
    flag: 'max-memory',
    kind: 'integer',
    arg: 'MB',
    help: 'recycle a worker whose RSS passes this',
    default: 'off',
  },
  {
    key: 'maxRequests',
    flag: 'max-requests',
    kind: 'integer',
    arg: 'N',
    help: 'recycle a worker after N requests',
    default: 'off',
  },
  {
    key: 'maxRequestsJitter',
    flag: 'max-requests-jitter',
    kind: 'integer',
    arg: 'N',
    help: 'add 0..N to --max-requests per worker',
    default: '0',
  },
  {
    key: 'cpuAffinity',
    flag: 'cpu-affinity',
    kind: 'boolean',
    help: 'pin worker i to CPU i and steer connections by CPU',
    default: 'off',
  },
  {
    key: 'steering',
    flag: 'steering',
    kind: 'enum',
    values: ['off', 'queue', 'rescue'],
    help: 'load-aware steering: new connections avoid a stalled worker (queue), and those stuck in its queue move (rescue)',
    default: 'rescue',
  },
  {
    key: 'tlsCert',
    flag: 'tls-cert',
    kind: 'path',
    arg: 'PATH',
    help: 'serve TLS with this certificate (PEM; read again on reload)',
    default: 'off',
  },
  { key: 'tlsKey', flag: 'tls-key', kind: 'path', arg: 'PATH', help: "the certificate's private key (PEM)" },
  { key: 'tlsCa', flag: 'tls-ca', kind: 'path', arg: 'PATH', help: 'extra CA certificates (chain)' },
  {
    key: 'http2',
    flag: 'http2',
    kind: 'boolean',
    help: 'HTTP/2 over TLS (ALPN), HTTP/1.1 still accepted',
    default: 'off',
  },
  {
    key: 'pidFile',
    flag: 'pid-file',
    kind: 'path',
    arg: 'PATH',
    help: "keep the serving primary's pid in this file (written atomically; an upgrade rewrites it)",
    default: 'off',
  },
  {
    key: 'joinPort',
    flag: 'join-port',
    kind: 'boolean',
    help: 'share a TCP port another process already listens on (else refused: "... is already in use")',
    default: 'off',
  },
  {
    key: 'watch',
    flag: 'watch',
    kind: 'boolean',
    help: 'rolling reload when a file under the watched directories changes (development)',
    default: 'off',
  },
  {
    key: 'watchPath',
    flag: 'watch-path',
    kind: 'path',
    list: true,
    arg: 'DIR',
    help: 'directory --watch watches (repeatable; node_modules, .git and dotfiles ignored)',
    default: "the app module's directory",
  },
] as const satisfies readonly OptionSpec[];

export type ServeOptionSpec = (typeof SERVE_OPTIONS)[number];
export type ServeOptionKey = ServeOptionSpec['key'];

/**
 * Variables that exist with other meanings: a worker's identity (VOLLEY_WORKER_*), the primary's
 * pid, the bus's Redis URL, the fallback switch, and the control commands' admin address and
 * token. No option may be read from them (options.test.ts checks).
 */
export const RESERVED_ENV = [
  'VOLLEY_WORKER_ID',
  'VOLLEY_WORKER_GENERATION',
  'VOLLEY_WORKER_CONFIG',
  'VOLLEY_PRIMARY_PID',
  'VOLLEY_REDIS_URL',
  'VOLLEY_FORCE_CLUSTER',
  'VOLLEY_ADMIN',
  'VOLLEY_ADMIN_TOKEN',
] as const;

/** `VOLLEY_` and the flag in capitals (`VOLLEY_LOG_FORMAT`), or undefined for options with `noEnv`. */
export function envName(spec: OptionSpec): string | undefined {
  if (spec.noEnv) return undefined;
  return `VOLLEY_${spec.flag.toUpperCase().replaceAll('-', '_')}`;
}

/** `--workers N|auto`, as the help text and docs write an option. */
export function flagSynopsis(spec: OptionSpec): string {
  return `--${spec.flag}${spec.arg ? ` ${spec.arg}` : spec.kind === 'enum' ? ` ${spec.values!.join('|')}` : ''}`;
}

export function optionByKey(key: string): OptionSpec | undefined {
  return (SERVE_OPTIONS as readonly OptionSpec[]).find((o) => o.key === key);
}

/** The value type a config file gives for each kind. */
type ValueOf<S> = S extends { kind: 'integer' }
  ? number
  : S extends { kind: 'size' }
    ? number | string
    : S extends { kind: 'boolean' }
      ? boolean
      : S extends { kind: 'workers' }
        ? number | 'auto'
        : S extends { kind: 'enum'; values: readonly (infer V)[] }
          ? V
          : string;

type ConfigValue<S> = S extends { list: true } ? string | string[] : ValueOf<S>;

/** What a config file (`volley.config.ts` with `defineConfig`) may hold: every option, each optional. */
export type VolleyConfig = { [S in ServeOptionSpec as S['key']]?: ConfigValue<S> };
