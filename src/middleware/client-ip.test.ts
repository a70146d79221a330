import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from '../http/request.js';
import { clientIp, normaliseIp, trustPredicate } from './client-ip.js';

const req = (remoteAddr: string, xff?: string) =>
  ({ remoteAddr, header: (n: string) => (n === 'x-forwarded-for' ? xff : undefined) }) as unknown as Request;

test('trustPredicate: addresses, CIDR ranges (v4 and v6), shorthands, IPv4-mapped peers', () => {
  const trusted = trustPredicate(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', 'loopback']);
  assert.equal(trusted('10.200.3.4'), true);
  assert.equal(trusted('11.0.0.1'), false);
  assert.equal(trusted('192.168.1.7'), true);
  assert.equal(trusted('192.168.1.8'), false);
  assert.equal(trusted('2001:db8::1'), true);
  assert.equal(trusted('2001:db9::1'), false);
  assert.equal(trusted('127.0.0.1'), true);
  assert.equal(trusted('::1'), true);
  assert.equal(trusted('::ffff:10.1.1.1'), true);
  assert.equal(trusted('garbage'), false);
  assert.equal(trustPredicate(undefined)('127.0.0.1'), false);
  assert.equal(normaliseIp('::FFFF:1.2.3.4'), '1.2.3.4');
  assert.throws(() => trustPredicate(['10.0.0.0/33']), /prefix/);
  assert.throws(() => trustPredicate(['example.com']), /not an IP/);
});

test('clientIp walks X-Forwarded-For from the right, past trusted proxies only', () => {
  const trusted = trustPredicate(['10.0.0.0/8']);
  assert.equal(clientIp(req('203.0.113.9', '1.2.3.4'), trusted), '203.0.113.9', 'untrusted peer: XFF ignored');
  assert.equal(clientIp(req('10.0.0.1', '1.2.3.4'), trusted), '1.2.3.4');
  assert.equal(clientIp(req('10.0.0.1', 'spoofed, 1.2.3.4, 10.0.0.2'), trusted), '1.2.3.4');
  assert.equal(clientIp(req('10.0.0.1', '10.0.0.3, 10.0.0.2'), trusted), '10.0.0.3', 'all trusted: leftmost');
  assert.equal(clientIp(req('10.0.0.1', 'x y, 10.0.0.2'), trusted), '10.0.0.2', 'a malformed hop stops the walk');
  assert.equal(clientIp(req('10.0.0.1'), trusted), '10.0.0.1', 'no header: the peer');
  assert.equal(clientIp(req('::ffff:10.0.0.1', ' 5.6.7.8 '), trusted), '5.6.7.8');
});
