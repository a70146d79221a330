import { reusePortSupported } from '../../native/index.js';
import { parseAddress, resolveHost } from '../../server/address.js';
import { ClusterSockets } from './cluster-sockets.js';
import type { ListenSockets } from './listen-sockets.js';
import type { LogSink } from './log-sink.js';
import { assertPortFreeNet } from './port-guard.js';
import { ReusePortSockets } from './reuseport-sockets.js';

/**
 * The sockets `volley serve` uses by default: SO_REUSEPORT groups where the kernel balances
 * them (Linux with the addon built), else node:cluster round-robin, said once in the log.
 * VOLLEY_FORCE_CLUSTER=1 forces the fallback (tests, and a way out if the addon misbehaves).
 */
export async function openListenSockets(
  listen: string[],
  options: { cpuSteering: boolean; joinPort?: boolean; log: LogSink },
): Promise<ListenSockets> {
  const forced = process.env.VOLLEY_FORCE_CLUSTER === '1';
  if (forced || !reusePortSupported()) {
    for (const text of listen) {
      const address = parseAddress(text, '--listen');
      if (address.kind === 'tcp' && !options.joinPort) {
        await assertPortFreeNet(await resolveHost(address.host, `--listen ${text}`), address.port);
      }
    }
    options.log.event(
      'SO_REUSEPORT load balancing is not available here (' +
        (forced ? 'VOLLEY_FORCE_CLUSTER=1' : `platform ${process.platform}`) +
        '): falling back to node:cluster round-robin, where the primary accepts every connection',
    );
    return new ClusterSockets(listen);
  }
  return ReusePortSockets.open(listen, { cpuSteering: options.cpuSteering, joinPort: options.joinPort ?? false });
}
