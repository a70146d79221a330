import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartupError } from './errors.js';
import { FIRST_HANDED_FD, forSuccessor, type Handover, handedFds, parseHandover, takeHandover } from './handover.js';

const handover: Handover = {
  version: 1,
  from: 1234,
  workers: 2,
  listen: [
    {
      kind: 'group',
      text: '127.0.0.1:0',
      host: '127.0.0.1',
      port: 4000,
      slots: [
        { slot: 2, fd: 21 },
        { slot: 1, fd: 20 },
      ],
    },
    { kind: 'unix', text: 'unix:/tmp/s', path: '/tmp/s', fd: 30 },
    { kind: 'passed', fds: [{ fd: 3, name: 'web' }] },
  ],
  admin: { text: '127.0.0.1:9000', fd: 40 },
};

test('forSuccessor renumbers every fd from FIRST_HANDED_FD in order, keeping slots and kernel order', () => {
  const { description, stdio } = forSuccessor(handover);
  assert.deepEqual(stdio, [21, 20, 30, 3, 40]);
  assert.deepEqual(handedFds(description), [4, 5, 6, 7, 8]);
  assert.equal(FIRST_HANDED_FD, 4);
  const group = description.listen[0]!;
  assert.ok(group.kind === 'group');
  assert.deepEqual(group.slots, [
    { slot: 2, fd: 4 },
    { slot: 1, fd: 5 },
  ]);
  assert.deepEqual(description.admin, { text: '127.0.0.1:9000', fd: 8 });
  assert.deepEqual(parseHandover(JSON.stringify(description)), description, 'what is sent parses back');
});

test('a malformed handover is a StartupError that says what is wrong', () => {
  assert.throws(
    () => parseHandover('{'),
    (err: Error) => err instanceof StartupError && /is not JSON/.test(err.message),
  );
  assert.throws(() => parseHandover('{"version":2}'), /not a version 1 handover/);
  assert.throws(
    () =>
      parseHandover(
        JSON.stringify({
          ...handover,
          listen: [{ kind: 'group', text: 'x', host: 'h', port: 1, slots: [{ slot: 1 }] }],
        }),
      ),
    /malformed listen entry/,
  );
  assert.throws(() => parseHandover(JSON.stringify({ ...handover, admin: { fd: -1 } })), /malformed admin entry/);
  assert.throws(() => parseHandover(JSON.stringify({ ...handover, workers: 0 })), /workers missing/);
});

test('takeHandover removes the variable (workers must not see it) and is undefined without one', () => {
  const env: NodeJS.ProcessEnv = {};
  assert.equal(takeHandover(env), undefined);
  const bad: NodeJS.ProcessEnv = { VOLLEY_HANDOVER: '{"version":1}' };
  assert.throws(() => takeHandover(bad), StartupError);
  assert.equal(bad.VOLLEY_HANDOVER, undefined);
});
