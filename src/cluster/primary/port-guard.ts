/**
 * The guard against sharing a TCP port by accident. Our sockets carry SO_REUSEPORT, and the
 * kernel lets a SO_REUSEPORT socket of the same user join an existing group on the same
 * address: a second `volley serve` on the same --listen would silently take a share of the
 * first one's connections. `volley serve` refuses that unless --join-port.
 */
import { createServer } from 'node:net';
import { native } from '../../native/index.js';
import { formatHostPort } from '../../server/address.js';
import { PortInUseError } from './errors.js';
import { describeHolders, inodeOfFd, listeningInodes, pidsHoldingInodes } from './port-owner.js';

export function portInUseError(host: string, port: number, cause?: unknown): PortInUseError {
  const label = formatHostPort(host, port);
  const holders = describeHolders(pidsHoldingInodes(listeningInodes(host, port)));
  return new PortInUseError(
    `${label} is already in use${holders ? ` by ${holders}` : ''}` +
      ' (stop it, pick another --listen address, or pass --join-port to share the port on purpose)',
    cause,
  );
}

/**
 * Throws a PortInUseError when any socket listens on host:port (or an address overlapping it),
 * with or without SO_REUSEPORT, from any process. Call it before this process opens any socket
 * of its own on that port.
 *
 * Why this is safe, and has no race with our own binds:
 * - The probe is a bind(2) + listen(2) WITHOUT SO_REUSEPORT on the exact host and port our group
 *   will bind. Linux refuses such a bind with EADDRINUSE whenever a socket is listening on an
 *   overlapping address (same address, or a wildcard on either side), whatever that socket's
 *   options or owner. The addon always sets SO_REUSEADDR, and that does not weaken the check:
 *   SO_REUSEADDR only lets a bind pass over sockets that are not listening (TIME_WAIT ones after
 *   a restart, which we want to pass over); a listening socket still conflicts
 *   (port-guard.test.ts checks both cases against real sockets).
 * - It runs before any socket of ours exists on the port, so it can only ever meet other
 *   processes' sockets, never our own; it is closed before our first bind. A connection that
 *   reaches the probe in that instant would otherwise have been refused anyway: nobody listened.
 * - Port 0 needs no guard: the kernel gives the first socket a port nobody uses.
 * The instant between closing the probe and our first bind is closed by checkAlone(), called
 * right after our group's first socket listens.
 */
export function assertPortFree(host: string, port: number): void {
  if (port === 0) return;
  const addon = native();
  let fd: number;
  try {
    fd = addon.openListener({ host, port, reusePort: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUseError(host, port, err);
    throw err; // EACCES, EADDRNOTAVAIL...: the group's own bind reports those with its context
  }
  addon.closeFd(fd);
}

/**
 * The second half of the guard: right after our group's first socket (`fd`) listens, /proc must
 * list no other socket listening on the port. Two instances that probed in the same instant both
 * pass the probe, but whichever binds second sees the other here (and if both bind before either
 * checks, both see each other and both refuse): two groups never both serve. Without /proc
 * (inode unknown) only the probe applies.
 */
export function checkAlone(host: string, port: number, fd: number, ownFds: readonly number[] = [fd]): void {
  if (inodeOfFd(fd) === undefined) return;
  const ours = new Set(ownFds.map(inodeOfFd));
  const others = listeningInodes(host, port).filter((inode) => !ours.has(inode));
  if (others.length > 0) throw portInUseError(host, port);
}

/**
 * The same probe for the node:cluster fallback, where the addon may be missing: a plain
 * listen (Node never sets SO_REUSEPORT on it), closed again before the first worker makes
 * node:cluster's primary bind the address. Without it a taken port shows up only as a worker's
 * EADDRINUSE stack trace after the app loaded.
 */
export async function assertPortFreeNet(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? portInUseError(host, port, err) : err),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
