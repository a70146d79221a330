import type { SlotListener } from '../protocol.js';
import type { ListenSockets } from './listen-sockets.js';

/**
 * The fallback where SO_REUSEPORT does not balance (macOS, Windows) or the addon is missing:
 * every worker listens on the addresses through node:cluster, whose primary accepts each
 * connection and hands it to a worker round-robin. There is no socket per slot to open, close
 * or steer; the addresses are checked when the first worker listens.
 */
export class ClusterSockets implements ListenSockets {
  readonly description = 'node:cluster round-robin';
  readonly addresses: string[];
  readonly #slots: number[] = [];
  ownsFiles = true;

  constructor(addresses: string[]) {
    this.addresses = addresses;
  }

  open(slot: number): void {
    this.#slots.push(slot);
  }

  close(slot: number): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
  }

  steer(): void {
    // node:cluster's primary only hands connections to workers that listen.
  }

  fdsFor(): SlotListener[] {
    return this.addresses.map((address) => ({ address, label: address }));
  }

  cpuIndexOf(slot: number): number {
    return Math.max(0, this.#slots.indexOf(slot));
  }

  closeAll(): void {
    this.#slots.length = 0;
  }
}
