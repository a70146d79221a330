import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { checkConfig, findConfigFile, loadConfigFile } from './config-file.js';
import { envValues, formatEffective, mergeSources, toServeOptions, withSource } from './effective-config.js';
import { parseServeFlags } from './serve-options.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'volley-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a config object: values typed, paths relative to the file, listen as string or array', () => {
  const values = checkConfig(
    {
      $schema: './volley.schema.json',
      app: 'app.mjs',
      listen: '127.0.0.1:1',
      workers: 3,
      logMaxSize: '1M',
      http2: false,
    },
    '/srv/site/volley.config.json',
  );
  assert.equal(values.get('app'), '/srv/site/app.mjs');
  assert.deepEqual(values.get('listen'), ['127.0.0.1:1']);
  assert.equal(values.get('workers'), 3);
  assert.equal(values.get('logMaxSize'), 1024 * 1024);
  assert.equal(values.get('http2'), false);
  assert.deepEqual(checkConfig({ listen: ['a:1', 'b:2'], workers: 'auto' }, '/x.json').get('listen'), ['a:1', 'b:2']);
});

test('an unknown key, a wrong type or a bad value is refused naming the key and the file', () => {
  const refused = (raw: unknown, message: RegExp) =>
    assert.throws(
      () => checkConfig(raw, '/srv/volley.config.json'),
      (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, message);
        return true;
      },
    );
  refused({ wrokers: 2 }, /unknown key 'wrokers' in config file \/srv\/volley\.config\.json/);
  refused({ workers: '2' }, /^workers in \/srv\/volley\.config\.json expects an integer or 'auto', got '2'$/);
  refused({ workers: -1 }, /^workers in \/srv\/volley\.config\.json expects/);
  refused({ logFormat: 'xml' }, /^logFormat in \/srv\/volley\.config\.json expects text or json, got 'xml'$/);
  refused({ listen: [1] }, /^listen in .* expects a string or an array of strings/);
  refused({ cpuAffinity: 'yes' }, /^cpuAffinity in .* expects true or false/);
  refused([1, 2], /must export an object of options/);
});

test('precedence: a flag over a VOLLEY_ variable over the file, each value with its source', () => {
  const file = checkConfig({ app: 'a.mjs', workers: 2, shutdownTimeout: 5000, logFormat: 'json' }, '/srv/v.json');
  const env = envValues({ VOLLEY_WORKERS: '3', VOLLEY_SHUTDOWN_TIMEOUT: '7000', VOLLEY_ADMIN: '127.0.0.1:9' });
  const flags = parseServeFlags(['--workers', '4']).values;
  const effective = mergeSources(flags, env, file, '/srv/v.json');
  assert.equal(effective.values.get('workers')?.value, 4);
  assert.equal(effective.values.get('shutdownTimeout')?.value, 7000);
  assert.equal(effective.values.get('logFormat')?.value, 'json');
  assert.equal(effective.values.has('admin'), false, 'VOLLEY_ADMIN keeps its meaning: the control commands');
  const options = toServeOptions(effective);
  assert.equal(options.app, '/srv/a.mjs');
  assert.equal(options.workers, 4);
  assert.equal(options.shutdownTimeout, 7000);
  const printed = formatEffective(effective);
  assert.match(printed, /^workers\s+4\s+--workers$/m);
  assert.match(printed, /^shutdownTimeout\s+7000\s+VOLLEY_SHUTDOWN_TIMEOUT$/m);
  assert.match(printed, /^logFormat\s+json\s+logFormat in \/srv\/v\.json$/m);
  assert.match(printed, /^heartbeatTimeout\s+10000\s+default$/m);
  // A value longer than the column (a deep path) still has its source apart from it.
  const deep = checkConfig({ app: `${'x/'.repeat(40)}a.mjs` }, '/srv/v.json');
  assert.match(
    formatEffective(mergeSources(new Map(), new Map(), deep, '/srv/v.json')),
    /^app\s+\/srv\/(x\/){40}a\.mjs\s+app in \/srv\/v\.json$/m,
  );
  // A supervisor check names the flag; the message then says where the value came from.
  const err = withSource(new UsageError('--log-format expects text or json'), effective) as Error;
  assert.equal(err.message, '--log-format expects text or json (set by logFormat in /srv/v.json)');
});

test('variables: lists comma-separated, booleans 1/0, bad values named by the variable', () => {
  const env = envValues({ VOLLEY_LISTEN: '127.0.0.1:1, unix:/tmp/x.sock', VOLLEY_JOIN_PORT: '1', VOLLEY_HTTP2: '0' });
  assert.deepEqual(env.get('listen')?.value, ['127.0.0.1:1', 'unix:/tmp/x.sock']);
  assert.equal(env.get('joinPort')?.value, true);
  assert.equal(env.get('http2')?.value, false);
  assert.throws(
    () => envValues({ VOLLEY_WORKERS: 'many' }),
    /^UsageError: VOLLEY_WORKERS expects an integer or 'auto', got 'many'$/,
  );
  // Variables of other meanings are never read as options.
  assert.equal(envValues({ VOLLEY_WORKER_ID: '1', VOLLEY_FORCE_CLUSTER: '1', VOLLEY_ADMIN_TOKEN: 't' }).size, 0);
});

test('flags: one app module, typed values, a repeated --listen kept as given (the supervisor refuses doubles)', () => {
  const flags = parseServeFlags([
    'app.mjs',
    '--listen',
    'a:1',
    '--listen',
    'b:2',
    '--max-requests',
    '5',
    '--join-port',
  ]);
  assert.deepEqual(flags.values.get('listen'), ['a:1', 'b:2']);
  assert.equal(flags.values.get('maxRequests'), 5);
  assert.equal(flags.values.get('joinPort'), true);
  assert.throws(() => parseServeFlags(['a.mjs', 'b.mjs']), /takes one app module, got 2/);
  assert.throws(
    () => parseServeFlags(['--workers', 'lots']),
    /^UsageError: --workers expects an integer or 'auto', got 'lots'$/,
  );
  assert.throws(() => parseServeFlags(['--listne', 'x']), /did you mean --listen\?/);
  assert.equal(parseServeFlags(['--help']).help, true);
  assert.throws(() => toServeOptions(mergeSources(new Map(), new Map(), new Map(), undefined)), /needs an app module/);
});

test('config files: found by name in the directory; .json, .mjs and .ts (through tsx) load', async (t) => {
  const dir = tempDir(t);
  assert.equal(findConfigFile(undefined, dir), undefined);
  writeFileSync(join(dir, 'volley.config.json'), JSON.stringify({ workers: 2 }));
  writeFileSync(join(dir, 'volley.config.mjs'), 'export default { workers: 3, app: "./app.mjs" };\n');
  assert.equal(findConfigFile(undefined, dir), join(dir, 'volley.config.mjs'), '.mjs comes before .json');
  assert.equal((await loadConfigFile(join(dir, 'volley.config.json'))).get('workers'), 2);
  assert.equal((await loadConfigFile(join(dir, 'volley.config.mjs'))).get('app'), join(dir, 'app.mjs'));
  const ts = join(dir, 'other.config.ts');
  writeFileSync(ts, 'const workers: number = 5;\nexport default { workers, logFormat: "json" as const };\n');
  assert.equal((await loadConfigFile(ts)).get('workers'), 5);
  assert.equal(findConfigFile('other.config.ts', dir), ts);
  assert.throws(() => findConfigFile('missing.json', dir), /--config: no such file/);
  writeFileSync(join(dir, 'broken.json'), '{ "workers": ');
  await assert.rejects(loadConfigFile(join(dir, 'broken.json')), /cannot read config file .*broken\.json/);
});
