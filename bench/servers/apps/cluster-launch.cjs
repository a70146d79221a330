// node:cluster as its users write it: the primary forks N workers and each worker requires the
// app module, whose listen() node:cluster shares (round-robin through the primary on Linux).
//   PORT=<port> node bench/servers/apps/cluster-launch.cjs <app module> <workers>
const cluster = require('node:cluster');
const { resolve } = require('node:path');

const [appModule, count = '2'] = process.argv.slice(2);
if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < Number(count); i++) {
    cluster.fork().on('listening', () => {
      if (++listening === Number(count)) console.log(`listening ${process.env.PORT}`);
    });
  }
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  require(resolve(appModule));
  process.once('SIGTERM', () => process.exit(0));
}
