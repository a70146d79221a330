import type { Socket } from 'node:net';
import { type NativeAddon, native } from '../native/index.js';

let addon: NativeAddon | null | undefined;
function sender(): NativeAddon | null {
  if (addon === undefined) {
    try {
      addon = native();
    } catch {
      addon = null; // no addon (not built here): every socket goes through socket.write()
    }
  }
  return addon;
}

/**
 * The file descriptor to send on directly, or -1. Only a plain (not TLS) socket with nothing
 * waiting in Node's stream or libuv qualifies: then a send(2) of our own is exactly what
 * Node's write would do first (libuv tries the write at once), so no byte can be reordered.
 */
function directFd(socket: Socket): number {
  if (socket.destroyed || !socket.writable || socket.writableLength !== 0 || socket.writableCorked !== 0) return -1;
  if ((socket as Socket & { encrypted?: boolean }).encrypted) return -1;
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * Writes the same bytes to every socket: those that qualify in one native call (one send(2)
 * each, without Node's per-write stream bookkeeping, which was about 30% of a worker's CPU per
 * delivered frame in the fan-out benchmark), the rest through socket.write(). Whatever the
 * kernel did not take at once (a full socket buffer) or refused (a peer that is gone) is handed
 * to socket.write(), which queues it or reports the error as usual. Bytes sent directly are not
 * counted in `socket.bytesWritten`.
 */
export function sendToSockets(sockets: readonly Socket[], data: Buffer): void {
  const addon = sender();
  const direct: Socket[] = [];
  const fds: number[] = [];
  for (const socket of sockets) {
    const fd = addon === null ? -1 : directFd(socket);
    if (fd < 0) {
      if (!socket.destroyed && socket.writable) socket.write(data);
      continue;
    }
    direct.push(socket);
    fds.push(fd);
  }
  if (direct.length === 0) return;
  const results = new Int32Array(direct.length);
  addon!.sendMany(Int32Array.from(fds), data, results);
  for (let i = 0; i < direct.length; i++) {
    const sent = results[i]!;
    if (sent === data.length) continue;
    // Partly sent: the rest goes through Node, after what the kernel took. Not sent (EAGAIN:
    // the socket buffer is full) or an error (EPIPE, ECONNRESET): all of it, so Node queues it
    // or surfaces the error on the socket.
    direct[i]!.write(sent > 0 ? data.subarray(sent) : data);
  }
}
