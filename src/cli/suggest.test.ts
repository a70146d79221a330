import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, unknownOptionMessage } from './suggest.js';

test('closest finds a near spelling or a unique prefix, and nothing for a far one', () => {
  assert.equal(closest('worker', ['workers', 'listen']), 'workers');
  assert.equal(closest('lsten', ['workers', 'listen']), 'listen');
  assert.equal(closest('adm', ['admin-token', 'admin', 'json']), 'admin');
  assert.equal(closest('js', ['admin', 'json']), 'json');
  assert.equal(closest('frobnicate', ['workers', 'listen']), undefined);
});

test('an unknown option names the one meant, or what to type instead', () => {
  assert.equal(
    unknownOptionMessage('serve', '-w', ['workers', 'listen']),
    "volley serve: unknown option '-w'; did you mean --workers? (volley serve --help lists the options)",
  );
  assert.match(unknownOptionMessage('serve', '--worker=2', ['workers']), /did you mean --workers\?/);
  assert.equal(
    unknownOptionMessage('status', '-w', ['admin', 'json'], { w: 'to change the number of workers: volley scale N' }),
    "volley status has no option '-w': to change the number of workers: volley scale N",
  );
});
