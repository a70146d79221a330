/** What the results were measured on. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const sh = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    // Some tools (wrk -v) print what we want and exit non-zero.
    return String((err as { stdout?: string }).stdout ?? '').trim();
  }
};

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

export function machine() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? '?';
  const commit = sh('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['status', '--porcelain', '--', 'src']) !== '';
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []) || String(os.availableParallelism()),
    cpu: model,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    wrk: sh('wrk', ['-v']).split('\n')[0]?.split(' ')[1] ?? '?',
    commit: `${commit}${dirty ? ' (src/ has uncommitted changes)' : ''}`,
    packages: ['fastify', 'hono', '@hono/node-server', 'express', 'find-my-way']
      .map((p) => `${p} ${pkgVersion(p)}`)
      .join(', '),
  };
}
