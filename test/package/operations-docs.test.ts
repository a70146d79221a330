/**
 * The recipes of docs/operations.md, checked where a tool can check them: every systemd unit
 * with `systemd-analyze verify` (Debian package systemd), and the Dockerfile for what the page
 * promises of it (multi-stage, not root, STOPSIGNAL SIGTERM, --shutdown-delay, exec form).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

const page = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');
const units = [...page.matchAll(/```ini\n# \/etc\/systemd\/system\/(\S+)\n([\s\S]*?)```/g)].map((m) => ({
  name: m[1]!,
  text: m[2]!,
}));
const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

/** systemd before 253 does not know Type=notify-reload; the page says what to use there instead. */
function systemdVersion(): number {
  const out = spawnSync('systemd-analyze', ['--version']).stdout?.toString() ?? '';
  return Number(/systemd (\d+)/.exec(out)?.[1] ?? 0);
}

test('docs/operations.md has the service units and the socket unit', () => {
  assert.deepEqual(
    units.map((u) => u.name),
    ['myapp.service', 'myapp.socket', 'myapp.service'],
  );
  const activated = units[2]!.text;
  assert.match(activated, /^Type=notify-reload$/m);
  assert.doesNotMatch(activated, /^ExecReload=/m, 'notify-reload sends SIGHUP itself');
  assert.doesNotMatch(activated, /--listen/, 'the socket unit provides the socket');
  assert.match(page, /systemctl kill -s USR2 --kill-whom=main myapp/);
});

test('every systemd unit of docs/operations.md passes systemd-analyze verify', (t) => {
  if (!hasAnalyze) {
    if (process.env.CI) throw new Error('systemd-analyze is missing: .ci/run installs Debian systemd');
    t.skip('systemd-analyze is not installed (Debian package systemd)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'volley-units-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = units.find((u) => u.name.endsWith('.socket'))!;
  const old = systemdVersion() < 253;
  units.forEach((unit, i) => {
    // Each unit in its own directory (two are myapp.service), with its partner: the socket for
    // a service, the socket-activated service for the socket.
    const where = join(dir, String(i));
    mkdirSync(where);
    const partner = unit === socket ? units[units.length - 1]! : socket;
    // verify checks that ExecStart's binary exists: this machine's node stands for /usr/bin/node.
    for (const u of [partner, unit]) {
      writeFileSync(join(where, u.name), u.text.replaceAll('/usr/bin/node', process.execPath));
    }
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', join(where, unit.name)], { encoding: 'utf8' });
    const complaints = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => !(old && /Failed to parse service type, ignoring: notify-reload/.test(line)));
    assert.equal(result.status, 0, `${unit.name} #${i}: ${complaints.join('\n')}`);
    assert.deepEqual(complaints, [], `${unit.name} #${i}`);
  });
});

test('the Dockerfile is multi-stage, runs as a user, stops with SIGTERM and delays the drain', () => {
  const dockerfile = /```dockerfile\n([\s\S]*?)```/.exec(page)?.[1];
  assert.ok(dockerfile, 'docs/operations.md has a Dockerfile');
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  const froms = lines.filter((l) => l.startsWith('FROM '));
  assert.equal(froms.length, 2, 'a build stage and a runtime stage');
  assert.match(dockerfile, /COPY --from=build/);
  const user = lines.find((l) => l.startsWith('USER '));
  assert.ok(user && !/root|\b0\b/.test(user), `runs as a user: ${user}`);
  assert.ok(lines.includes('STOPSIGNAL SIGTERM'));
  const cmd = lines.find((l) => l.startsWith('CMD '))!;
  const argv = JSON.parse(cmd.slice(4)) as string[];
  assert.deepEqual(argv.slice(0, 3), ['node', 'node_modules/volley/bin/volley.js', 'serve'], 'exec form');
  const delay = Number(argv[argv.indexOf('--shutdown-delay') + 1]);
  assert.ok(delay > 0, '--shutdown-delay is set');
});
