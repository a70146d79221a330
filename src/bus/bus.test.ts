import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bus } from './bus.js';
import { compileTopicPattern } from './topic-pattern.js';
import { LocalTransport } from './transport.js';

const tick = () => new Promise((r) => setImmediate(r));

test('topic patterns: * is one segment, a final ** any number', () => {
  const star = compileTopicPattern('room.*');
  assert.equal(star('room.lobby'), true);
  assert.equal(star('room'), false);
  assert.equal(star('room.a.b'), false);
  const deep = compileTopicPattern('room.**');
  assert.equal(deep('room'), true);
  assert.equal(deep('room.a.b'), true);
  assert.equal(deep('rooms.a'), false);
  assert.equal(compileTopicPattern('a.b')('a.b'), true);
  assert.throws(() => compileTopicPattern('a.**.b'), /only be the last segment/);
});

test('publish reaches matching subscribers with a copy of the message; unsubscribe stops delivery', async () => {
  const bus = new Bus(new LocalTransport());
  const got: [string, unknown][] = [];
  const off = bus.subscribe('room.*', (m, topic) => {
    got.push([topic, m]);
  });
  // Bus catches and logs what a subscriber throws, so an assertion in here could never fail the
  // test: the subscriber only records what it got, and the test asserts on that below.
  const other: string[] = [];
  bus.subscribe('other', (_m, topic) => {
    other.push(topic);
  });
  const message = { text: 'hi' };
  await bus.publish('room.lobby', message);
  await tick();
  assert.deepEqual(got, [['room.lobby', { text: 'hi' }]]);
  assert.deepEqual(other, [], "'other' must not receive room messages");
  assert.notEqual(got[0]![1], message, 'a copy, as across processes');
  off();
  await bus.publish('room.lobby', { text: 'again' });
  await tick();
  assert.equal(got.length, 1);
  assert.throws(() => bus.publish('room.*', {}), /no '\*'/);
  assert.throws(() => bus.publish('room.x', undefined), /JSON-serialisable/);
  await bus.close();
});

test('a slow subscriber drops past its queue bound and does not stall the others', async () => {
  const bus = new Bus(new LocalTransport());
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let slowSeen = 0;
  bus.subscribe(
    't',
    async () => {
      slowSeen++;
      await gate;
    },
    { maxQueue: 10 },
  );
  let fastSeen = 0;
  bus.subscribe('t', () => {
    fastSeen++;
  });
  for (let i = 0; i < 1000; i++) await bus.publish('t', i);
  await tick();
  assert.equal(fastSeen, 1000, 'the fast subscriber got everything');
  assert.equal(slowSeen, 1, 'the slow one is stuck in its first message');
  assert.equal(bus.dropped, 1000 - 1 - 10, 'one in progress, ten queued, the rest dropped and counted');
  release();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(slowSeen, 11);
  await bus.close();
});
