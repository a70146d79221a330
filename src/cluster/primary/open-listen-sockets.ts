import { reusePortUnavailable } from '../../native/index.js';
import { parseAddress, resolveHost } from '../../server/address.js';
import { ClusterSockets } from './cluster-sockets.js';
import type { HandedListen } from './handover.js';
import type { ListenSockets } from './listen-sockets.js';
import type { LogSink } from './log-sink.js';
import { assertPortFreeNet } from './port-guard.js';
import { ReusePortSockets } from './reuseport-sockets.js';

/**
 * The sockets `volley serve` uses by default: SO_REUSEPORT groups where the kernel balances
 * them (Linux with the addon built), else node:cluster round-robin, said once in the log.
 * VOLLEY_FORCE_CLUSTER=1 forces the fallback (tests, and a way out if the addon misbehaves).
 * The log line says which reason it is, since a missing addon (no prebuild for this platform
 * and no compiler at install) has a fix and an unsupported platform has none.
 */
export async function openListenSockets(
  listen: string[],
  options: {
    cpuSteering: boolean;
    joinPort?: boolean;
    log: LogSink;
    /** Sockets handed over by a predecessor primary (an upgrade): adopted, not bound. */
    adopt?: { from: number; listen: HandedListen[] };
  },
): Promise<ListenSockets> {
  if (options.adopt) {
    return ReusePortSockets.open(listen, {
      cpuSteering: options.cpuSteering,
      joinPort: options.joinPort ?? false,
      adopt: options.adopt,
    });
  }
  const forced = process.env.VOLLEY_FORCE_CLUSTER === '1';
  const unavailable = forced ? undefined : reusePortUnavailable();
  if (forced || unavailable) {
    for (const text of listen) {
      const address = parseAddress(text, '--listen');
      if (address.kind === 'tcp' && !options.joinPort) {
        await assertPortFreeNet(await resolveHost(address.host, `--listen ${text}`), address.port);
      }
    }
    options.log.event(fallbackMessage(unavailable));
    return new ClusterSockets(listen);
  }
  return ReusePortSockets.open(listen, { cpuSteering: options.cpuSteering, joinPort: options.joinPort ?? false });
}

/** One log line: why, what happens instead, and (for a missing addon) how to get it. */
function fallbackMessage(unavailable: ReturnType<typeof reusePortUnavailable>): string {
  const instead = 'falling back to node:cluster round-robin, where the primary accepts every connection';
  if (!unavailable) return `SO_REUSEPORT load balancing is off (VOLLEY_FORCE_CLUSTER=1): ${instead}`;
  if (unavailable.reason === 'platform')
    return `SO_REUSEPORT load balancing is not available here (${unavailable.message}): ${instead}`;
  // The message ends with how to build the addon; the fallback goes before it.
  return `SO_REUSEPORT load balancing is not available, ${instead}. ${unavailable.message}`;
}
