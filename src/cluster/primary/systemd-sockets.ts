/**
 * systemd socket activation: started by a `.socket` unit (or `systemd-socket-activate`), the
 * primary finds its listening sockets at fd 3.. (LISTEN_FDS, for this pid LISTEN_PID, named by
 * LISTEN_FDNAMES) and serves them instead of binding its own. systemd keeps the sockets (and
 * their queues) across restarts of the service, which is the point.
 *
 * A socket is shared by the workers it is given to. Per address, with k sockets passed
 * (several `.socket` units with ReusePort=yes on one address), worker slot i serves socket
 * (i - 1) mod k: with one socket per worker the kernel balances across them as with --listen;
 * with one socket for all, each worker takes what it accepts first.
 */
import { native, type SocketInfo } from '../../native/index.js';
import { formatHostPort } from '../../server/address.js';
import type { SlotListener } from '../protocol.js';
import { StartupError } from './errors.js';
import type { HandedListen } from './handover.js';
import type { ListenSockets } from './listen-sockets.js';

/** The first fd systemd passes (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

export interface PassedSocket {
  fd: number;
  /** LISTEN_FDNAMES' name for it ('unknown' without names, as systemd says). */
  name: string;
}

/**
 * The sockets systemd passed to this process, or undefined when none were. The variables are
 * removed either way (workers and a successor primary must not take them as theirs), and each
 * fd is made close-on-exec.
 */
export function takeSystemdSockets(
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): PassedSocket[] | undefined {
  const count = env.LISTEN_FDS;
  const forPid = env.LISTEN_PID;
  const names = env.LISTEN_FDNAMES?.split(':') ?? [];
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (count === undefined || forPid === undefined) return undefined;
  if (Number(forPid) !== pid) return undefined; // meant for another process (the variables leaked)
  const n = Number(count);
  if (!Number.isInteger(n) || n < 0) throw new StartupError(`LISTEN_FDS=${count} is not a number of sockets`);
  if (n === 0) return undefined;
  return Array.from({ length: n }, (_, i) => {
    const fd = FIRST_FD + i;
    try {
      native().setCloseOnExec(fd);
    } catch (err) {
      throw new StartupError(`LISTEN_FDS=${n}: fd ${fd} is not open: ${(err as Error).message}`, err);
    }
    return { fd, name: names[i] || 'unknown' };
  });
}

/** host:port or unix:/path of a passed socket; a StartupError for what volley serve cannot serve. */
function labelOf(socket: PassedSocket, info: SocketInfo): string {
  const what = `the socket systemd passed as fd ${socket.fd} (${socket.name})`;
  if (info.type !== 'stream' || !info.listening) {
    throw new StartupError(
      `${what} is not a listening stream socket (a .socket unit for volley serve needs ListenStream= and Accept=no)`,
    );
  }
  if (info.family === 'unix') return `unix:${info.path}`;
  if (info.family === 'ipv4' || info.family === 'ipv6') return formatHostPort(info.address!, info.port!);
  throw new StartupError(`${what} is neither TCP nor a unix socket`);
}

export class SystemdSockets implements ListenSockets {
  readonly description: string;
  /** Passed sockets by address, in the order passed. */
  readonly #byAddress = new Map<string, (PassedSocket & { reusePort: boolean })[]>();
  readonly #passed: PassedSocket[];
  readonly #slots: number[] = [];
  /** systemd made the socket files and removes them. */
  ownsFiles = false;

  /** `from`: the primary that handed these over in an upgrade, if they did not come from systemd directly. */
  constructor(passed: PassedSocket[], workers: number, from?: number) {
    this.#passed = passed;
    for (const socket of passed) {
      const info = native().socketInfo(socket.fd);
      const label = labelOf(socket, info);
      const list = this.#byAddress.get(label) ?? [];
      list.push({ ...socket, reusePort: info.reusePort });
      this.#byAddress.set(label, list);
    }
    const source = from ? `from systemd, handed over by primary ${from}` : 'from systemd (socket activation)';
    const balanced = [...this.#byAddress.values()].every(
      (list) => list.length >= workers && list.every((s) => s.reusePort),
    );
    this.description = balanced
      ? `${passed.length} socket(s) ${source}; one SO_REUSEPORT socket per worker, balanced by the kernel`
      : `${passed.length} socket(s) ${source}; workers share them, so the kernel does not balance connections ` +
        '(that needs one socket per worker with ReusePort=yes, or --listen)';
  }

  get addresses(): string[] {
    return [...this.#byAddress.keys()];
  }

  open(slot: number): void {
    this.#slots.push(slot);
  }

  close(slot: number): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
  }

  steer(): void {
    // Shared sockets cannot be steered per worker; a retiring worker drains what it accepted.
  }

  fdsFor(slot: number): SlotListener[] {
    return [...this.#byAddress].map(([label, list]) => ({ fd: list[(slot - 1) % list.length]!.fd, label }));
  }

  cpuIndexOf(slot: number): number {
    return Math.max(0, this.#slots.indexOf(slot));
  }

  closeAll(): void {
    for (const { fd } of this.#passed.splice(0)) {
      try {
        native().closeFd(fd);
      } catch {
        // already closed
      }
    }
    this.#byAddress.clear();
  }

  handover(): HandedListen[] {
    return [{ kind: 'passed', fds: this.#passed.map(({ fd, name }) => ({ fd, name })) }];
  }
}
