import { unlinkSync } from 'node:fs';
import { native } from '../../native/index.js';
import { parseAddress, resolveHost } from '../../server/address.js';
import { isSocketLive, removeSocketFile } from '../../server/unix-listener.js';
import type { SlotListener } from '../protocol.js';
import { StartupError } from './errors.js';
import type { HandedListen } from './handover.js';
import type { ListenSockets } from './listen-sockets.js';
import { assertPortFree, checkAlone } from './port-guard.js';
import { SocketGroup } from './socket-group.js';

interface UnixSocket {
  text: string;
  path: string;
  fd: number;
}

/**
 * One SO_REUSEPORT socket per slot and TCP address, opened by the addon, so the kernel
 * balances connections across the workers with nothing in between; a `unix:` address is one
 * socket shared by every worker (the kernel has no balancing for those).
 */
export class ReusePortSockets implements ListenSockets {
  readonly description: string;
  readonly #groups: { text: string; group: SocketGroup }[];
  readonly #unix: UnixSocket[];
  readonly #guard: boolean;
  ownsFiles: boolean;

  private constructor(description: string, guard: boolean, ownsFiles: boolean) {
    this.description = description;
    this.#groups = [];
    this.#unix = [];
    this.#guard = guard;
    this.ownsFiles = ownsFiles;
  }

  /**
   * Resolves the TCP addresses (their sockets open per slot) and opens the unix ones.
   * `cpuSteering` pins each connection to the socket of the CPU that received it. Unless
   * `joinPort`, a TCP address that another socket already listens on is refused here, before
   * any socket of ours exists (port-guard.ts says why that order makes the check exact).
   *
   * `adopt`: sockets a predecessor primary handed over (an upgrade). An address it served is
   * taken as it is, bound and listening, without binding or the port guard (those sockets are
   * ours); its slots are renumbered 1..N in the order of its slot numbers. An address it did
   * not serve is opened as usual; a handed socket for an address no longer listed is closed.
   */
  static async open(
    listen: string[],
    options: { cpuSteering: boolean; joinPort?: boolean; adopt?: { from: number; listen: HandedListen[] } },
  ): Promise<ReusePortSockets> {
    const guard = !options.joinPort;
    const handed = options.adopt?.listen ?? [];
    const description = options.adopt
      ? `SO_REUSEPORT, one socket per worker, handed over by primary ${options.adopt.from}`
      : 'SO_REUSEPORT, one socket per worker';
    const sockets = new ReusePortSockets(description, guard, !options.adopt);
    const renumber = slotNumbering(handed);
    const used = new Set<HandedListen>();
    try {
      for (const text of listen) {
        const address = parseAddress(text, '--listen');
        const given = handed.find((h) => h.kind !== 'passed' && h.text === text && !used.has(h));
        if (given) used.add(given);
        if (given?.kind === 'unix') {
          sockets.#unix.push({ text, path: given.path, fd: given.fd });
        } else if (given?.kind === 'group') {
          const group = new SocketGroup(given.host, given.port);
          group.adopt(given.slots.map((s) => ({ slot: renumber.get(s.slot)!, fd: s.fd })));
          group.useCpuSteering(options.cpuSteering);
          sockets.#groups.push({ text, group });
        } else if (address.kind === 'unix') {
          try {
            if (await isSocketLive(address.path)) throw new Error('address in use: a server is listening there');
            await removeSocketFile(address.path);
            const fd = native().openUnixListener({ path: address.path });
            sockets.#unix.push({ text, path: address.path, fd });
          } catch (err) {
            throw new StartupError(`cannot listen on ${text}: ${(err as Error).message}`, err);
          }
        } else {
          const group = new SocketGroup(await resolveHost(address.host, `--listen ${text}`), address.port);
          if (guard) assertPortFree(group.host, group.port);
          group.useCpuSteering(options.cpuSteering);
          sockets.#groups.push({ text, group });
        }
      }
    } catch (err) {
      sockets.closeAll();
      throw err;
    } finally {
      for (const h of handed) if (!used.has(h)) for (const fd of fdsOf(h)) native().closeFd(fd);
    }
    return sockets;
  }

  get addresses(): string[] {
    return [...this.#groups.map(({ group }) => group.label), ...this.#unix.map((u) => `unix:${u.path}`)];
  }

  open(slot: number): void {
    for (const { group } of this.#groups) {
      if (group.fd(slot) !== undefined) continue; // adopted from a predecessor
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
    return [...this.#groups.flatMap(({ group }) => group.fds), ...this.#unix.map((u) => u.fd)];
  }

  close(slot: number): void {
    for (const { group } of this.#groups) group.close(slot);
  }

  steer(activeSlots: ReadonlySet<number>): void {
    for (const { group } of this.#groups) group.steer(activeSlots);
  }

  fdsFor(slot: number): SlotListener[] {
    return [
      ...this.#groups.map(({ group }) => ({ fd: group.fd(slot)!, label: group.label })),
      ...this.#unix.map((u) => ({ fd: u.fd, label: `unix:${u.path}` })),
    ];
  }

  tcpFdsFor(slot: number): { fd: number; label: string }[] {
    return this.#groups.flatMap(({ group }) => {
      const fd = group.fd(slot);
      return fd === undefined ? [] : [{ fd, label: group.label }];
    });
  }

  cpuIndexOf(slot: number): number {
    return Math.max(0, this.#groups[0]?.group.indexOf(slot) ?? slot - 1);
  }

  closeAll(): void {
    for (const { group } of this.#groups) group.closeAll();
    for (const { fd, path } of this.#unix.splice(0)) {
      native().closeFd(fd);
      if (!this.ownsFiles) continue; // another primary serves on it
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }

  handover(): HandedListen[] {
    return [
      ...this.#groups.map(
        ({ text, group }): HandedListen => ({
          kind: 'group',
          text,
          host: group.host,
          port: group.port,
          slots: group.handover(),
        }),
      ),
      ...this.#unix.map(({ text, path, fd }): HandedListen => ({ kind: 'unix', text, path, fd })),
    ];
  }
}

function fdsOf(entry: HandedListen): number[] {
  if (entry.kind === 'group') return entry.slots.map((s) => s.fd);
  if (entry.kind === 'unix') return [entry.fd];
  return entry.fds.map((f) => f.fd);
}

/** The predecessor's slot numbers, in order, to 1..N (every group has the same slots). */
function slotNumbering(handed: HandedListen[]): Map<number, number> {
  const ids = new Set<number>();
  for (const h of handed) if (h.kind === 'group') for (const s of h.slots) ids.add(s.slot);
  return new Map([...ids].sort((a, b) => a - b).map((id, i) => [id, i + 1]));
}
