/**
 * Fixture processes for the addon's end-to-end tests: where the fixtures are, forking one with
 * the addon's path in its environment, waiting for it, and stopping it by pid; and the raw
 * HTTP request those tests send to a listening socket.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addonPath } from '../../src/native/addon-path.js';

/** The repository root: the first directory above this file with a package.json (works from dist/ and src). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
}

export const ROOT = repoRoot();
export const FIXTURES = join(ROOT, 'test', 'native', 'fixtures');
export const ADDON = addonPath();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 10 ms; throws naming `what` once `timeoutMs` has passed. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Rejects if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function killPid(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** SIGKILLs a child by pid if it still runs and waits (bounded) for its exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  killPid(child.pid);
  await within(exited, 5000, `exit of child ${child.pid}`).catch(() => {});
}

/** Forks a fixture script and registers its stop (by pid) with the test. */
export function forkFixture(
  t: TestContext,
  script: string,
  stdio: unknown[],
  env: Record<string, string> = {},
): ChildProcess {
  const child = fork(join(FIXTURES, script), [], {
    stdio: stdio as never,
    env: { ...process.env, VOLLEY_ADDON: ADDON, ...env },
  });
  t.after(() => stopChild(child));
  return child;
}

/** Waits for the first IPC message with `ready`, failing if the child exits first. */
export async function ready(child: ChildProcess, what: string): Promise<void> {
  await within(
    new Promise<void>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean }) => {
        if (m?.ready) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before ready`)));
    }),
    10_000,
    `${what} to be ready`,
  );
}

/**
 * A raw HTTP/1.1 request (`Connection: close`) on a fresh loopback connection, written once it
 * connects: what came back so far, and whether the socket closed. The caller destroys `socket`.
 */
export function rawRequest(
  port: number,
  path = '/',
): { socket: net.Socket; received: () => string; closed: () => boolean } {
  let data = '';
  let closed = false;
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: volley.test\r\nConnection: close\r\n\r\n`));
  return { socket, received: () => data, closed: () => closed };
}
