// Makes docs/images/dashboard.png: the admin dashboard of `volley serve examples/chat.ts` with two
// workers while wrk loads it for 60 s, with one rolling reload in the middle. Needs wrk and
// /usr/bin/chromium.   node scripts/dashboard-screenshot.mjs
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const [port, admin] = [await freePort(), await freePort()];
const server = spawn(
  process.execPath,
  [
    'bin/volley.js',
    'serve',
    'examples/chat.ts',
    '--workers',
    '2',
    '--listen',
    `127.0.0.1:${port}`,
    '--admin',
    `127.0.0.1:${admin}`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VOLLEY_REDIS_URL: '' } },
);
let wrk;
let browser;
try {
  await new Promise((resolve) =>
    server.stdout.on('data', (c) => c.toString().includes('worker(s) ready') && resolve()),
  );
  wrk = spawn('wrk', ['-t2', '-c32', '-d60s', `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`http://127.0.0.1:${admin}/`);
  await sleep(15_000);
  await fetch(`http://127.0.0.1:${admin}/reload`, { method: 'POST' });
  await sleep(15_000);
  mkdirSync('docs/images', { recursive: true });
  await page.screenshot({ path: 'docs/images/dashboard.png', fullPage: true });
  console.log('wrote docs/images/dashboard.png');
} finally {
  await browser?.close();
  wrk?.kill('SIGTERM');
  server.kill('SIGTERM');
}
