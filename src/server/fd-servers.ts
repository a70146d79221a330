/**
 * Which server listens on which inherited socket, in this process. Load-aware steering (issue
 * 19) hands a worker connections its primary took off a stalled worker's queue, labelled with
 * the listen address they arrived on; the worker finds the server that serves that address's fd
 * here and gives it the connection as if it had accepted it itself.
 */
import type { Server as NetServer } from 'node:net';

const servers = new Map<number, NetServer>();

/** Records that `server` listens on `fd` (until it closes). */
export function servesFd(fd: number, server: NetServer): void {
  servers.set(fd, server);
  server.once('close', () => {
    if (servers.get(fd) === server) servers.delete(fd);
  });
}

/** The server listening on `fd` now, if any. */
export function serverOnFd(fd: number): NetServer | undefined {
  const server = servers.get(fd);
  return server?.listening ? server : undefined;
}
