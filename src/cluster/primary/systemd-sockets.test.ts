import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monotonicUsec } from './sd-notify.js';
import { takeSystemdSockets } from './systemd-sockets.js';
import { successorNode } from './upgrade.js';

test('LISTEN_* for another pid are ignored, and removed either way', () => {
  const env: NodeJS.ProcessEnv = { LISTEN_FDS: '2', LISTEN_PID: '1', LISTEN_FDNAMES: 'a:b' };
  assert.equal(takeSystemdSockets(env, 4242), undefined);
  assert.deepEqual(env, {});
  assert.equal(takeSystemdSockets({}, 4242), undefined);
  assert.equal(takeSystemdSockets({ LISTEN_FDS: '0', LISTEN_PID: '4242' }, 4242), undefined);
  assert.throws(() => takeSystemdSockets({ LISTEN_FDS: 'x', LISTEN_PID: '4242' }, 4242), /LISTEN_FDS=x/);
});

test('MONOTONIC_USEC is the monotonic clock in microseconds', () => {
  const a = BigInt(monotonicUsec());
  const b = process.hrtime.bigint() / 1000n;
  assert.ok(b >= a && b - a < 1_000_000n);
});

test('the successor runs the Node found on PATH when this one was started by name', () => {
  assert.equal(successorNode('/opt/node/bin/node', '/usr/bin'), process.execPath);
  assert.equal(successorNode('sh', '/nonexistent:/bin:/usr/bin').endsWith('/sh'), true);
  assert.equal(successorNode('no-such-node-binary', '/bin'), process.execPath);
});
