// `volley top` end to end: a real `volley serve` with 2 workers, and `volley top` in a real
// terminal (a detached tmux session, 120x30), read back with `tmux capture-pane`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { freePort, sleep } from '../helpers/net.js';
import { volleyBin } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * A tmux server of our own (its socket in a temporary directory of ours) with one session
 * named after this test run; nothing else's tmux is touched.
 */
class Tmux {
  readonly name = `volley-top-${process.pid}-${randomBytes(4).toString('hex')}`;
  readonly #dir = mkdtempSync(join(tmpdir(), 'volley-top-'));
  readonly #socket = join(this.#dir, 'tmux.sock');

  run(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.#socket, ...args], { encoding: 'utf8', timeout: 5000 });
  }

  start(command: string): void {
    this.run('new-session', '-d', '-s', this.name, '-x', '120', '-y', '30', command);
  }

  capture(): string {
    return this.run('capture-pane', '-p', '-t', this.name);
  }

  keys(...keys: string[]): void {
    this.run('send-keys', '-t', this.name, ...keys);
  }

  /** Polls the pane until `check` returns something truthy; fails with the last pane after timeoutMs. */
  async waitFor<T>(
    what: string,
    check: (pane: string) => T | undefined | null | false,
    timeoutMs = 15_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    let pane = '';
    while (Date.now() < end) {
      pane = this.capture();
      const found = check(pane);
      if (found) return found;
      await sleep(200);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the pane shows:\n${pane}`);
  }

  /** Kills this test's session (its server exits with it) and removes the socket directory. */
  kill(): void {
    try {
      this.run('kill-session', '-t', this.name);
    } catch {
      // already gone
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

interface Row {
  id: number;
  pid: number;
  state: string;
  rps: string;
  p99: string;
}

/** The worker rows of a `volley top` screen. */
function rows(pane: string): Row[] {
  const out: Row[] = [];
  for (const line of pane.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+(starting|ready|draining)\s+(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ id: Number(m[1]), pid: Number(m[2]), state: m[3]!, rps: m[4]!, p99: m[5]! });
  }
  return out;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

// Outside CI a machine without tmux skips this; in CI a missing tmux is a failure.
const tmuxTest = {
  skip: hasTmux() || process.env.CI ? false : 'tmux is not installed (apt-get install tmux)',
  timeout: 90_000,
};

const TOP_TITLE =
  'volley top renders both workers with their pids and live requests/s in a real terminal; q and Ctrl-C quit and restore the screen';

test(TOP_TITLE, tmuxTest, async (t) => {
  assert.ok(hasTmux(), 'this test needs tmux (apt-get install tmux)');
  const { volley, port, admin } = await serveFixture({ workers: 2, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  const status = (await (await freshFetch(`http://127.0.0.1:${admin}/status`)).json()) as {
    workers: { id: number; pid: number }[];
  };
  const pids = new Map(status.workers.map((w) => [w.id, w.pid]));
  assert.equal(pids.size, 2);

  const tmux = new Tmux();
  t.after(() => tmux.kill());
  const top = `${quote(process.execPath)} ${quote(volleyBin)} top --admin 127.0.0.1:${admin}`;
  // top runs twice (once to quit with q, once with Ctrl-C); the shell then says how each exited.
  tmux.start(`${top}; echo "first top exited with $?"; ${top}; echo "second top exited with $?"; sleep 120`);

  const first = await tmux.waitFor('both worker rows', (pane) => rows(pane).length === 2 && pane);
  assert.match(first, new RegExp(`primary pid ${volley.pid}\\b`));
  assert.match(first, /workers 2 ready \/ 2 desired/);
  assert.match(first, /ID\s+PID\s+GEN\s+STATE\s+REQ\/S\s+P99\s+RSS\s+LAG\(ms\)\s+RESTARTS/);
  for (const line of first.split('\n')) assert.ok(line.length <= 120);

  // Load on fresh connections, so the kernel spreads it over both workers' sockets.
  const stop = { done: false };
  const until = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (stop.done) {
        clearInterval(check);
        resolve();
      }
    }, 50);
  });
  const load = runLoad({
    port,
    path: '/whoami',
    concurrency: 4,
    maxRequests: 100_000,
    maxMs: 30_000,
    churn: true,
    until,
  });
  let busy: string;
  try {
    busy = await tmux.waitFor(
      'non-zero requests/s on both workers',
      (pane) => {
        const r = rows(pane);
        return r.length === 2 && r.every((w) => Number(w.rps) > 0) && /total [1-9][\d.]* req\/s/.test(pane) && pane;
      },
      25_000,
    );
  } finally {
    stop.done = true;
    const result = await load;
    assert.equal(result.failed, 0, result.errors.join('\n'));
  }
  const live = rows(busy);
  assert.deepEqual(
    live.map((w) => [w.id, w.pid, w.state]),
    [
      [1, pids.get(1), 'ready'],
      [2, pids.get(2), 'ready'],
    ],
  );
  for (const w of live) assert.match(w.p99, /^(≤[\d.]+m?s|>[\d.]+m?s)$/, `p99 of worker ${w.id}: ${w.p99}`);
  assert.match(busy, /^req\/s [▁▂▃▄▅▆▇█]*[▂▃▄▅▆▇█][▁▂▃▄▅▆▇█]*$/m, 'the sparkline shows the load');

  tmux.keys('q');
  const after = await tmux.waitFor('top to quit on q', (pane) => /first top exited with (\d+)/.exec(pane));
  assert.equal(after[1], '0');
  assert.doesNotMatch(tmux.capture(), /REQ\/S/, 'the alternate screen was left');

  await tmux.waitFor('the second top', (pane) => rows(pane).length === 2);
  tmux.keys('C-c');
  const second = await tmux.waitFor('top to quit on Ctrl-C', (pane) => /second top exited with (\d+)/.exec(pane));
  assert.equal(second[1], '0');
  assert.doesNotMatch(tmux.capture(), /REQ\/S/);
});

test('volley top: nothing at the admin address is a clear error and exit code 1', { timeout: 30_000 }, async (t) => {
  const admin = await freePort();
  const top = new VolleyProcess(['top', '--admin', `127.0.0.1:${admin}`]);
  t.after(() => top.dispose());
  const { code } = await top.exited;
  assert.equal(code, 1);
  assert.match(top.output, new RegExp(`cannot reach the admin endpoint at 127\\.0\\.0\\.1:${admin}`));
});

test('volley top without a terminal prints plain frames and stops on SIGTERM', { timeout: 60_000 }, async (t) => {
  const { volley, admin } = await serveFixture({ workers: 1, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  const top = new VolleyProcess(['top', '--admin', `127.0.0.1:${admin}`, '--interval', '200']);
  t.after(() => top.dispose());
  await top.waitFor(/refresh 0\.2s[\s\S]*refresh 0\.2s/, 10_000);
  assert.ok(!top.output.includes('\x1b['), 'no escape codes when stdout is not a terminal');
  top.signal('SIGTERM');
  const { code } = await top.exited;
  assert.equal(code, 143);
});
