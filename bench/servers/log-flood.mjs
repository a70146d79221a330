// The app of the merged-log benchmark (bench/log-throughput.ts): each worker writes
// LOG_FLOOD_LINES lines to stdout at LOG_FLOOD_RATE lines/s (0: as fast as it can), one
// write() per line as console.log does; every 100th message is an Error's stack printed with
// console.error (one record of 11 lines). Then it writes "flood-done <worker> <ms it took>".
import { Router } from 'volley';

const total = Number(process.env.LOG_FLOOD_LINES ?? 100_000);
const rate = Number(process.env.LOG_FLOOD_RATE ?? 25_000);
const worker = process.env.VOLLEY_WORKER_ID;
const pad = 'x'.repeat(60);
const err = new Error('flood');
err.stack = `Error: flood\n${Array.from({ length: 10 }, (_, i) => `    at frame${i} (/app/f.js:${i}:1)`).join('\n')}`;

let sent = 0;
function writeSome(n) {
  for (let i = 0; i < n && sent < total; i++, sent++) {
    if (sent % 100 === 99) console.error(err.stack);
    else process.stdout.write(`line ${sent} of worker ${worker} ${pad}\n`);
  }
}

setTimeout(
  () => {
    const started = Date.now();
    const tick = () => {
      if (rate === 0) writeSome(total);
      else writeSome(Math.round(rate * ((Date.now() - started) / 1000)) - sent);
      if (sent < total) setTimeout(tick, 5);
      else process.stdout.write(`flood-done ${worker} ${Date.now() - started}\n`);
    };
    tick();
  },
  Number(process.env.LOG_FLOOD_DELAY_MS ?? 300),
);

export default new Router().get(() => 'ok');
