import { native } from '../../native/index.js';
import { formatHostPort } from '../../server/address.js';

/**
 * The SO_REUSEPORT sockets of one TCP listen address, one per worker slot, owned by the
 * primary (which never accepts on them). The kernel keeps a group's sockets in an array in
 * listen order and, when one closes, moves the last into its place; `#order` mirrors that
 * array so steering programs can name sockets by index.
 */
export class SocketGroup {
  readonly host: string;
  port: number;
  readonly #fds = new Map<number, number>();
  #order: number[] = [];
  #cpuSteering = false;
  #steered = false;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  get label(): string {
    return formatHostPort(this.host, this.port);
  }

  fd(slot: number): number | undefined {
    return this.#fds.get(slot);
  }

  /** The group's open sockets. */
  get size(): number {
    return this.#fds.size;
  }

  /** Every open socket's fd. */
  get fds(): number[] {
    return [...this.#fds.values()];
  }

  /**
   * Takes sockets a predecessor primary opened, in the kernel's order of the group (what
   * `handover()` lists), instead of opening them.
   */
  adopt(sockets: readonly { slot: number; fd: number }[]): void {
    for (const { slot, fd } of sockets) {
      this.#fds.set(slot, fd);
      this.#order.push(slot);
    }
    // The predecessor may have left a steering program on the group: the first steer() replaces it.
    this.#steered = true;
  }

  /** The group's sockets in the kernel's order, for a successor primary. */
  handover(): { slot: number; fd: number }[] {
    return this.#order.map((slot) => ({ slot, fd: this.#fds.get(slot)! }));
  }

  /** Opens the slot's socket; with port 0 the first socket picks the port for the rest. */
  open(slot: number): number {
    const addon = native();
    const fd = addon.openListener({ host: this.host, port: this.port, reusePort: true });
    if (this.port === 0) this.port = addon.localPort(fd);
    this.#fds.set(slot, fd);
    this.#order.push(slot);
    return fd;
  }

  /** Closes the slot's socket (its queued connections are reset: retire it with steering first). */
  close(slot: number): void {
    const fd = this.#fds.get(slot);
    if (fd === undefined) return;
    native().closeFd(fd);
    this.#fds.delete(slot);
    const index = this.#order.indexOf(slot);
    const last = this.#order.pop()!;
    if (index >= 0 && index < this.#order.length) this.#order[index] = last;
  }

  closeAll(): void {
    for (const slot of [...this.#fds.keys()]) this.close(slot);
  }

  /** Pin connections to the socket whose index is the receiving CPU modulo the group size. */
  useCpuSteering(on: boolean): void {
    this.#cpuSteering = on;
  }

  /**
   * Sends new connections only to the sockets of `active` slots (those with a ready worker
   * that is not retiring). With every socket active, the kernel's hash (or CPU steering) applies.
   */
  steer(active: ReadonlySet<number>): void {
    const anyFd = this.#fds.values().next().value;
    if (anyFd === undefined) return;
    const addon = native();
    const indices = this.#order.flatMap((slot, i) => (active.has(slot) ? [i] : []));
    if (indices.length === this.#order.length || indices.length === 0) {
      if (this.#cpuSteering) {
        addon.attachCpuSteering(anyFd, this.#order.length);
        this.#steered = true;
      } else if (this.#steered) {
        addon.detachSteering(anyFd);
        this.#steered = false;
      }
      return;
    }
    addon.attachSlotSteering(anyFd, indices);
    this.#steered = true;
  }

  /** The kernel's index of the slot's socket in the group. */
  indexOf(slot: number): number {
    return this.#order.indexOf(slot);
  }
}
