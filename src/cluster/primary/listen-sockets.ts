/**
 * Where a supervisor's workers get their listening sockets from. The supervisor only asks
 * for a slot's sockets (fdsFor), opens and closes a slot, and says which slots take new
 * connections (steer); how that is done is the implementation's: SO_REUSEPORT groups opened
 * by the addon (reuseport-sockets.ts), or node:cluster's round-robin (cluster-sockets.ts).
 */
import type { SlotListener } from '../protocol.js';
import type { HandedListen } from './handover.js';

export interface ListenSockets {
  /** How connections reach the workers, for the start-up log line. */
  readonly description: string;
  /** Listen addresses as bound (port 0 resolved). */
  readonly addresses: string[];
  /** Opens the slot's socket on every address. */
  open(slot: number): void;
  /** Closes the slot's sockets (their queued connections are reset: steer away first). */
  close(slot: number): void;
  /** New connections go only to these slots' sockets (all of them when the set is empty). */
  steer(activeSlots: ReadonlySet<number>): void;
  /** What a worker of the slot listens on. */
  fdsFor(slot: number): SlotListener[];
  /** The slot's place among the open slots, as the kernel numbers them (for CPU pinning). */
  cpuIndexOf(slot: number): number;
  closeAll(): void;
  /**
   * The sockets as a successor primary adopts them (handover.ts), fds as this process has
   * them; absent where they cannot be handed over (node:cluster: its primary accepts).
   */
  handover?(): HandedListen[];
  /**
   * Whether closeAll() also removes the unix socket files. False while another primary
   * shares the sockets (a successor starting, or after handing them over): the file is its.
   */
  ownsFiles: boolean;
}
