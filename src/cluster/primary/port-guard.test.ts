import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { native, reusePortSupported } from '../../native/index.js';
import { PortInUseError } from './errors.js';
import { assertPortFree, checkAlone } from './port-guard.js';
import { hostsOverlap, parseProcNetTcp } from './port-owner.js';

const linux = reusePortSupported();

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

test('/proc/net/tcp and tcp6 lines are parsed into address, port, state and inode', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0 100 0 0 10 0',
    '   1: 00000000:0050 00000000:0000 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0',
  ].join('\n');
  assert.deepEqual(parseProcNetTcp(tcp), [
    { host: '127.0.0.1', port: 8080, state: 10, inode: 123456 },
    { host: '0.0.0.0', port: 80, state: 6, inode: 0 },
  ]);
  const tcp6 = [
    '  sl  local_address                         remote_address                        st ...',
    '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1',
    '   1: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1',
    '   2: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 779 1',
  ].join('\n');
  assert.deepEqual(
    parseProcNetTcp(tcp6).map((s) => s.host),
    ['::', '127.0.0.1', '::1'],
  );
  assert.ok(hostsOverlap('127.0.0.1', '0.0.0.0') && hostsOverlap('::', '127.0.0.1'));
  assert.ok(!hostsOverlap('127.0.0.1', '127.0.0.2'));
  assert.ok(hostsOverlap('0:0:0:0:0:0:0:1', '::1') && !hostsOverlap('::1', '::2'));
});

test('the probe conflicts with a listening SO_REUSEPORT socket despite SO_REUSEADDR, and names its pid', {
  skip: !linux,
}, () => {
  const addon = native();
  const fd = addon.openListener({ host: '127.0.0.1', port: 0, reusePort: true });
  try {
    const port = addon.localPort(fd);
    // What the guard exists for: a second SO_REUSEPORT socket would be let in.
    addon.closeFd(addon.openListener({ host: '127.0.0.1', port, reusePort: true }));
    assert.throws(
      () => assertPortFree('127.0.0.1', port),
      (err: unknown) =>
        err instanceof PortInUseError &&
        err.code === 'VOLLEY_ERR_PORT_IN_USE' &&
        err.message.startsWith(`127.0.0.1:${port} is already in use by pid ${process.pid} `),
    );
    // A wildcard address overlaps it too.
    assert.throws(() => assertPortFree('0.0.0.0', port), PortInUseError);
  } finally {
    addon.closeFd(fd);
  }
});

test('the probe conflicts with a plain listening socket, and passes once it closed', { skip: !linux }, async () => {
  const server = createServer();
  const port = await listen(server, '127.0.0.1');
  assert.throws(() => assertPortFree('127.0.0.1', port), /is already in use/);
  await new Promise<void>((r) => server.close(() => r()));
  assertPortFree('127.0.0.1', port);
  assertPortFree('127.0.0.1', 0); // port 0: nothing to check
});

test('checkAlone sees a second listener that joined after the probe, but not our own sockets', { skip: !linux }, () => {
  const addon = native();
  const ours = addon.openListener({ host: '127.0.0.1', port: 0, reusePort: true });
  const port = addon.localPort(ours);
  const ours2 = addon.openListener({ host: '127.0.0.1', port, reusePort: true });
  try {
    checkAlone('127.0.0.1', port, ours, [ours, ours2]);
    assert.throws(() => checkAlone('127.0.0.1', port, ours, [ours]), PortInUseError);
  } finally {
    addon.closeFd(ours);
    addon.closeFd(ours2);
  }
});
