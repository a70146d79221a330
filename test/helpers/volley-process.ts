import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, pidAlive, sleep, waitPidGone } from './net.js';
import { fixture, repoRoot, volleyBin } from './paths.js';

/**
 * The environment for volley processes in tests. This sandbox sets NODE_EXTRA_CA_CERTS, which
 * makes every Node process parse the whole CA bundle at start (about 200 ms here, per worker
 * start, restart and reload); no test makes outbound TLS connections to public CAs, so it is
 * left out, and the restart timings measure Volley rather than certificate parsing.
 */
function volleyEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('NODE_EXTRA_CA_CERTS' in extra)) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/**
 * A real `volley serve` (or other volley command) process for end-to-end tests. It records
 * everything the process prints, knows the pids of the workers it started (from the log),
 * and `dispose()` stops the primary and every worker by pid, leaving nothing running.
 */
export class VolleyProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output = '';
  readonly workerPids = new Set<number>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];

  /** `cwd` defaults to the repository's root (a config file test runs in its own directory). */
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, cwd: string = repoRoot) {
    this.child = spawn(process.execPath, [volleyBin, ...args], {
      cwd,
      env: volleyEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error('could not start volley');
    this.pid = this.child.pid;
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      for (const m of this.output.matchAll(/worker \d+ started \(pid (\d+)/g)) this.workerPids.add(Number(m[1]));
      this.#check();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const m = this.output.slice(w.from).match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }

  /** Resolves when the output (from offset `from`) matches; rejects after timeoutMs with the output so far. */
  waitFor(re: RegExp, timeoutMs = 15_000, from = 0): Promise<RegExpMatchArray> {
    const m = this.output.slice(from).match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} in output:\n${this.output}`));
      }, timeoutMs);
      this.#waiters.push({
        re,
        from,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      });
      this.exited.then(() => {
        setTimeout(() => {
          clearTimeout(timer);
          reject(new Error(`volley exited while waiting for ${re}; output:\n${this.output}`));
        }, 50);
      });
    });
  }

  /** Waits until every wanted worker is ready. */
  ready(timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return this.waitFor(/all \d+ worker\(s\) ready/, timeoutMs);
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.pid, sig);
  }

  /** Stops the primary (SIGTERM, then SIGKILL) and any worker still alive, by pid. */
  async dispose(): Promise<void> {
    if (pidAlive(this.pid) && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const gone = await Promise.race([this.exited.then(() => true), sleep(8000).then(() => false)]);
      if (!gone) this.child.kill('SIGKILL');
    }
    for (const pid of this.workerPids) {
      if (!(await waitPidGone(pid, 3000))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }
}

export interface ServeFixtureOptions {
  /** App module path (default: test/fixtures/app.ts). */
  app?: string;
  workers?: number;
  /** Also serve the admin endpoint on a free loopback port. */
  admin?: boolean;
  /** More `volley serve` flags. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `volley serve <app> --workers N --listen 127.0.0.1:<free port> [--admin 127.0.0.1:<free port>]`.
 * It does not wait for readiness (some tests expect a failure): call `volley.ready()`.
 */
export async function serveFixture(
  options: ServeFixtureOptions = {},
): Promise<{ volley: VolleyProcess; port: number; admin: number }> {
  const port = await freePort();
  const admin = options.admin ? await freePort() : 0;
  const args = [
    'serve',
    options.app ?? fixture('app.ts'),
    '--workers',
    String(options.workers ?? 2),
    '--listen',
    `127.0.0.1:${port}`,
    ...(options.admin ? ['--admin', `127.0.0.1:${admin}`] : []),
    ...(options.args ?? []),
  ];
  return { volley: new VolleyProcess(args, options.env), port, admin };
}
