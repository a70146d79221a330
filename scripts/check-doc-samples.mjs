#!/usr/bin/env node
// Type-checks every ```ts code block of README.md and docs/*.md, so the samples cannot drift
// from the API (run by `npm run typecheck`). Each block is written to .doc-samples/ as a module
// of its own and checked by tsc against the package's types, as a user's file would be.
// Samples are often fragments: the names they take from the text around them (`router`,
// `api`, a `db`) are declared in scripts/doc-samples-context.d.ts. What they use from Volley
// they must import, like a user's file. A block that cannot be checked (pseudo-code) starts
// with `// sample: not checked (why)`.
//
// With --run (the test test/docs/doc-samples.test.ts) it runs, instead of type-checking, every
// sample that stands on its own: one that needs none of the context names and starts no server
// (`.serve(`, `.listen(`) must run to completion under tsx, so a sample that type-checks but
// throws (a hoop given a bad option) fails too.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.doc-samples');
const sources = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const run = process.argv.includes('--run');
const contextNames = [
  ...readFileSync(join(root, 'scripts', 'doc-samples-context.d.ts'), 'utf8').matchAll(/^\s*(?:const|function) (\w+)/gm),
].map((m) => m[1]);
/** A sample that declares every context name it uses and starts no server can run by itself. */
function standsAlone(code) {
  if (/\.serve\(|\.listen\(/.test(code)) return false;
  return contextNames.every(
    (name) =>
      !new RegExp(`\\b${name}\\b`).test(code) || new RegExp(`\\b(?:const|let|function|class) ${name}\\b`).test(code),
  );
}
const runnable = [];
const where = new Map();
let count = 0;
for (const source of sources) {
  const lines = readFileSync(join(root, source), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const code = lines.slice(start, end);
    i = end;
    if (/^\/\/ sample: not checked/.test(code[0] ?? '')) continue;
    const file = `${basename(source, '.md')}-${start + 1}.ts`;
    // Blank lines keep tsc's line numbers equal to the Markdown file's.
    writeFileSync(join(out, file), `${'\n'.repeat(start)}${code.join('\n')}\nexport {};\n`);
    where.set(file, source);
    if (standsAlone(code.join('\n'))) runnable.push(file);
    count++;
  }
}
if (run) {
  let failed = 0;
  for (const file of runnable) {
    const res = spawnSync(process.execPath, ['--import', 'tsx', join(out, file)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const at = `${where.get(file)}:${file.match(/-(\d+)\.ts$/)[1]}`;
    if (res.status !== 0) {
      failed++;
      process.stderr.write(
        `${at}: the sample failed (${res.error?.message ?? `exit ${res.status}`}):\n${res.stderr}\n`,
      );
    } else console.log(`ran ${at}`);
  }
  if (failed > 0) process.exit(1);
  console.log(`doc samples: ${runnable.length} of ${count} code blocks stand alone and ran`);
  process.exit(0);
}
writeFileSync(join(out, 'context.d.ts'), readFileSync(join(root, 'scripts', 'doc-samples-context.d.ts')));
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { noEmit: true, rootDir: '.', noUnusedLocals: false, allowUnusedLabels: true },
    include: ['*.ts'],
  }),
);
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (err) {
  // Point at the Markdown file and line, not the extracted copy.
  const text = `${err.stdout}${err.stderr}`.replace(
    /(?:\.doc-samples\/)?([\w.-]+-\d+\.ts)\((\d+),(\d+)\)/g,
    (m, file, line, col) => (where.has(file) ? `${where.get(file)}:${line}:${col}` : m),
  );
  process.stderr.write(text);
  process.stderr.write(`doc samples: type errors in the code blocks above (${count} blocks checked)\n`);
  process.exit(1);
}
console.log(`doc samples: ${count} code blocks type-check`);
