/**
 * Tests of the rescued connections' pair (native/fd-passing.c): connections the test accepts
 * from a listening socket reach a child over the pair in one message, and are served there; a
 * worker that does not read fills the pair and the send fails instead of blocking. Loopback
 * only; every child is stopped by pid in `t.after`.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { native } from '../../src/native/index.js';
import { forkFixture, rawRequest, ready, waitFor } from './fixture-processes.js';

const LINUX = process.platform === 'linux';

function pair(t: TestContext): [number, number] {
  const [primaryEnd, workerEnd] = native().connectionPair();
  t.after(() => {
    native().closeFd(primaryEnd);
    native().closeFd(workerEnd);
  });
  return [primaryEnd, workerEnd];
}

test('a batch of accepted connections crosses the pair in one message and is served by the receiving process', {
  skip: !LINUX,
}, async (t) => {
  const addon = native();
  const listenFd = addon.openListener({ host: '127.0.0.1', port: 0 });
  t.after(() => addon.closeFd(listenFd));
  const port = addon.localPort(listenFd);
  const [primaryEnd, workerEnd] = pair(t);
  const child = forkFixture(t, 'rescue-receiver.mjs', ['ignore', 'inherit', 'inherit', 'ipc', workerEnd]);
  await ready(child, 'rescue-receiver.mjs');

  const requests = [rawRequest(port), rawRequest(port), rawRequest(port)];
  t.after(() => {
    for (const r of requests) r.socket.destroy();
  });
  await waitFor(() => addon.acceptQueueLength(listenFd) === 3, 5000, 'three connections queued');
  const fds = addon.acceptQueued(listenFd, 10);
  assert.equal(fds.length, 3);
  assert.equal(addon.sendConnections(primaryEnd, '127.0.0.1:1234', fds), 0);
  // The message holds its own copies: ours close, the connections stay open.
  for (const fd of fds) addon.closeFd(fd);

  await waitFor(() => requests.every((r) => r.closed()), 5000, 'the three requests answered');
  for (const r of requests)
    assert.match(r.received(), new RegExp(`200 OK[\\s\\S]*127\\.0\\.0\\.1:1234 x3 from ${child.pid}`));
  assert.equal(addon.unsentConnections(primaryEnd), 0, 'the receiver read everything');
});

test('a receiver that does not read fills the pair: the send fails at once, and what waits is counted', {
  skip: !LINUX,
}, (t) => {
  const addon = native();
  const [primaryEnd] = pair(t);
  assert.equal(addon.unsentConnections(primaryEnd), 0);
  // Any descriptor will do as the payload: the listening socket of another test's kind.
  const fd = addon.openListener({ host: '127.0.0.1', port: 0 });
  t.after(() => addon.closeFd(fd));
  let sent = 0;
  let result = 0;
  while (sent < 100_000) {
    result = addon.sendConnections(primaryEnd, 'filler', [fd]);
    if (result !== 0) break;
    sent++;
  }
  // EAGAIN (the buffer is full) or ETOOMANYREFS (too many descriptors in flight), never a wait.
  assert.ok(result === -11 || result === -109, `the send failed with ${result} after ${sent} messages`);
  assert.ok(sent >= 1, 'at least one message fit');
  assert.ok(addon.unsentConnections(primaryEnd) > 0, 'the unread messages are counted');
});

test('the pair refuses bad arguments with a TypeError', { skip: !LINUX }, (t) => {
  const addon = native();
  const [primaryEnd] = pair(t);
  assert.throws(() => addon.sendConnections(primaryEnd, '', [0]), TypeError);
  assert.throws(() => addon.sendConnections(primaryEnd, 'x', []), TypeError);
  assert.throws(
    () =>
      addon.sendConnections(
        primaryEnd,
        'x',
        Array.from({ length: 65 }, () => 0),
      ),
    TypeError,
  );
  assert.throws(() => addon.sendConnections(primaryEnd, 'x'.repeat(300), [0]), TypeError);
  assert.throws(() => addon.sendConnections(-1, 'x', [0]), TypeError);
  assert.throws(() => addon.receiveConnections(primaryEnd, 'not a function' as never), TypeError);
  assert.throws(() => addon.unsentConnections(Number.NaN), TypeError);
});
