import assert from 'node:assert/strict';
import { test } from 'node:test';
import { levelFromField, levelOfText } from './log-level.js';

test('plain lines: stderr is error, stdout info, unless the line starts with a level word', () => {
  assert.equal(levelOfText('stderr', 'something broke'), 'error');
  assert.equal(levelOfText('stdout', 'listening'), 'info');
  assert.equal(levelOfText('primary', 'worker 1 ready'), 'info');
  assert.equal(levelOfText('stderr', 'WARN: disk almost full'), 'warn');
  assert.equal(levelOfText('stderr', '[debug] cache miss'), 'debug');
  assert.equal(levelOfText('stdout', 'Error: boom'), 'error');
  assert.equal(levelOfText('stderr', '(node:1234) [DEP0005] DeprecationWarning: Buffer()'), 'warn');
  assert.equal(levelOfText('stderr', '(node:1234) Warning: something'), 'warn');
  assert.equal(levelOfText('stderr', 'Errors: 0'), 'error', 'not a level word: the stream decides');
  assert.equal(levelOfText('stdout', 'information desk'), 'info');
  assert.equal(
    levelOfText('stdout', 'warning! low'),
    'info',
    'a level word needs ":", "]", a space or the end after it',
  );
});

test('JSON levels: pino and bunyan numbers become names, names are kept', () => {
  assert.equal(levelFromField(10), 'trace');
  assert.equal(levelFromField(20), 'debug');
  assert.equal(levelFromField(30), 'info');
  assert.equal(levelFromField(40), 'warn');
  assert.equal(levelFromField(50), 'error');
  assert.equal(levelFromField(60), 'fatal');
  assert.equal(levelFromField('WARNING'), 'warn');
  assert.equal(levelFromField('nonsense'), undefined);
  assert.equal(levelFromField(undefined), undefined);
});
