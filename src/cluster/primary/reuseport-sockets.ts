import { unlinkSync } from 'node:fs';
import { native } from '../../native/index.js';
import { parseAddress, resolveHost } from '../../server/address.js';
import { isSocketLive, removeSocketFile } from '../../server/unix-listener.js';
import type { SlotListener } from '../protocol.js';
import { StartupError } from './errors.js';
import type { ListenSockets } from './listen-sockets.js';
import { assertPortFree, checkAlone } from './port-guard.js';
import { SocketGroup } from './socket-group.js';

/**
 * One SO_REUSEPORT socket per slot and TCP address, opened by the addon, so the kernel
 * balances connections across the workers with nothing in between; a `unix:` address is one
 * socket shared by every worker (the kernel has no balancing for those).
 */
export class ReusePortSockets implements ListenSockets {
  readonly description = 'SO_REUSEPORT, one socket per worker';
  readonly #groups: SocketGroup[];
  readonly #unix: { path: string; fd: number }[];
  readonly #guard: boolean;

  private constructor(groups: SocketGroup[], unix: { path: string; fd: number }[], guard: boolean) {
    this.#groups = groups;
    this.#unix = unix;
    this.#guard = guard;
  }

  /**
   * Resolves the TCP addresses (their sockets open per slot) and opens the unix ones.
   * `cpuSteering` pins each connection to the socket of the CPU that received it. Unless
   * `joinPort`, a TCP address that another socket already listens on is refused here, before
   * any socket of ours exists (port-guard.ts says why that order makes the check exact).
   */
  static async open(
    listen: string[],
    options: { cpuSteering: boolean; joinPort?: boolean },
  ): Promise<ReusePortSockets> {
    const groups: SocketGroup[] = [];
    const unix: { path: string; fd: number }[] = [];
    const guard = !options.joinPort;
    const sockets = new ReusePortSockets(groups, unix, guard);
    try {
      for (const text of listen) {
        const address = parseAddress(text, '--listen');
        if (address.kind === 'unix') {
          try {
            if (await isSocketLive(address.path)) throw new Error('address in use: a server is listening there');
            await removeSocketFile(address.path);
            unix.push({ path: address.path, fd: native().openUnixListener({ path: address.path }) });
          } catch (err) {
            throw new StartupError(`cannot listen on ${text}: ${(err as Error).message}`, err);
          }
        } else {
          const group = new SocketGroup(await resolveHost(address.host, `--listen ${text}`), address.port);
          if (guard) assertPortFree(group.host, group.port);
          group.useCpuSteering(options.cpuSteering);
          groups.push(group);
        }
      }
    } catch (err) {
      sockets.closeAll();
      throw err;
    }
    return sockets;
  }

  get addresses(): string[] {
    return [...this.#groups.map((g) => g.label), ...this.#unix.map((u) => `unix:${u.path}`)];
  }

  open(slot: number): void {
    for (const group of this.#groups) {
      const first = group.size === 0;
      let fd: number;
      try {
        fd = group.open(slot);
      } catch (err) {
        throw new StartupError(`cannot listen on ${group.label}: ${(err as Error).message}`, err);
      }
      if (first && this.#guard) checkAlone(group.host, group.port, fd, this.#ownFds());
    }
  }

  #ownFds(): number[] {
    return [...this.#groups.flatMap((g) => g.fds), ...this.#unix.map((u) => u.fd)];
  }

  close(slot: number): void {
    for (const group of this.#groups) group.close(slot);
  }

  steer(activeSlots: ReadonlySet<number>): void {
    for (const group of this.#groups) group.steer(activeSlots);
  }

  fdsFor(slot: number): SlotListener[] {
    return [
      ...this.#groups.map((g) => ({ fd: g.fd(slot)!, label: g.label })),
      ...this.#unix.map((u) => ({ fd: u.fd, label: `unix:${u.path}` })),
    ];
  }

  cpuIndexOf(slot: number): number {
    return Math.max(0, this.#groups[0]?.indexOf(slot) ?? slot - 1);
  }

  closeAll(): void {
    for (const group of this.#groups) group.closeAll();
    for (const { fd, path } of this.#unix.splice(0)) {
      native().closeFd(fd);
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }
}
