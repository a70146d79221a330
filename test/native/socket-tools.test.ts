/**
 * The addon's socket tools (native/socket-tools.c): sendUnixDatagram (sd_notify), socketInfo
 * (sockets from systemd) and setCloseOnExec (sockets inherited by an upgraded primary).
 * A python3 datagram receiver stands in for systemd's NOTIFY_SOCKET; processes are stopped by pid.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addonPath } from '../../src/native/addon-path.js';
import { native } from '../../src/native/index.js';

const LINUX = process.platform === 'linux';
const python = spawnSync('sh', ['-c', 'command -v python3']).status === 0;

const RECEIVER = `
import socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(name if not name.startswith('@') else '\\0' + name[1:])
print('bound', flush=True)
print(repr(s.recv(4096).decode()), flush=True)
`;

async function receiveOne(name: string, send: () => void): Promise<string> {
  const child = spawn('python3', ['-c', RECEIVER, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver did not bind: ${out}`)), 10_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('bound\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    send();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    return out.split('\n')[1] ?? '';
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

test('sendUnixDatagram sends one datagram to a unix socket path and to an abstract one (@)', {
  skip: !LINUX || !python,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-dgram-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'notify');
  const got = await receiveOne(path, () => {
    assert.equal(native().sendUnixDatagram(path, Buffer.from('READY=1\nSTATUS=ok\n')), 18);
  });
  assert.equal(got, "'READY=1\\nSTATUS=ok\\n'");
  const abstract = `@volley-test-${process.pid}`;
  assert.equal(
    await receiveOne(abstract, () => native().sendUnixDatagram(abstract, Buffer.from('WATCHDOG=1'))),
    "'WATCHDOG=1'",
  );
});

test('sendUnixDatagram errors are system errors; bad arguments are type errors', { skip: !LINUX }, () => {
  assert.throws(() => native().sendUnixDatagram('/nonexistent/volley/notify', Buffer.from('x')), {
    code: 'ENOENT',
    syscall: 'sendto',
  });
  assert.throws(() => native().sendUnixDatagram(`/${'x'.repeat(200)}`, Buffer.from('x')), { code: 'ENAMETOOLONG' });
  assert.throws(() => native().sendUnixDatagram('', Buffer.from('x')), TypeError);
  assert.throws(() => (native().sendUnixDatagram as (p: string, d: unknown) => number)('/tmp/x', 'text'), TypeError);
});

test('socketInfo tells a listening TCP socket, a unix one and a file apart', { skip: !LINUX }, (t) => {
  const addon = native();
  const tcp = addon.openListener({ host: '127.0.0.1', port: 0, reusePort: true });
  t.after(() => addon.closeFd(tcp));
  assert.deepEqual(addon.socketInfo(tcp), {
    family: 'ipv4',
    address: '127.0.0.1',
    port: addon.localPort(tcp),
    type: 'stream',
    listening: true,
    reusePort: true,
  });
  const plain = addon.openListener({ host: '::1', port: 0, reusePort: false });
  t.after(() => addon.closeFd(plain));
  const info6 = addon.socketInfo(plain);
  assert.equal(info6.family, 'ipv6');
  assert.equal(info6.address, '::1');
  assert.equal(info6.reusePort, false);
  const dir = mkdtempSync(join(tmpdir(), 'volley-info-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const unix = addon.openUnixListener({ path: join(dir, 's') });
  t.after(() => addon.closeFd(unix));
  assert.equal(addon.socketInfo(unix).path, join(dir, 's'));
  assert.equal(addon.socketInfo(unix).family, 'unix');
  const file = openSync(join(dir, 'file'), 'w');
  t.after(() => closeSync(file));
  assert.throws(() => addon.socketInfo(file), { code: 'ENOTSOCK', syscall: 'getsockname' });
  assert.throws(() => addon.socketInfo(-1), TypeError);
});

test('setCloseOnExec sets FD_CLOEXEC on an inherited fd; a closed fd is EBADF', { skip: !LINUX }, () => {
  // A child inherits a listening socket as fd 4 and reads the fd's flags from /proc before and
  // after. (Node 20 on Linux may mark inherited fds close-on-exec itself at start; the primary
  // does not rely on that, so the call must leave the flag set either way.)
  const script = `
    const { readFileSync } = require('node:fs');
    const addon = require(${JSON.stringify(addonPath())});
    const cloexec = () => (parseInt(/flags:\\s+(\\d+)/.exec(readFileSync('/proc/self/fdinfo/4', 'utf8'))[1], 8) & 0o2000000) !== 0;
    addon.setCloseOnExec(4);
    const after = cloexec();
    addon.setCloseOnExec(4);
    process.stdout.write(JSON.stringify({ after, again: cloexec() }));
  `;
  const fd = native().openListener({ host: '127.0.0.1', port: 0 });
  try {
    const result = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit', 'ignore', fd] });
    assert.deepEqual(JSON.parse(result.stdout.toString()), { after: true, again: true });
  } finally {
    native().closeFd(fd);
  }
  assert.throws(() => native().setCloseOnExec(987_654), { code: 'EBADF' });
  assert.throws(() => native().setCloseOnExec(-1), TypeError);
});
