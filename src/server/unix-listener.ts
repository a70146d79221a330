import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect, type Server as NetServer } from 'node:net';
import { type Listener, listenOn } from './listener.js';

export interface UnixListenerOptions {
  /** File mode of the socket, e.g. 0o600. */
  mode?: number;
  /** Remove a socket file nobody listens on any more (left by a dead process) before binding (default true). */
  removeStale?: boolean;
}

/** Listens on a unix domain socket path. */
export class UnixListener implements Listener {
  readonly path: string;
  readonly options: UnixListenerOptions;

  constructor(path: string, options: UnixListenerOptions = {}) {
    this.path = path.startsWith('unix:') ? path.slice(5) : path;
    this.options = options;
  }

  get description(): string {
    return `unix:${this.path}`;
  }

  async listen(server: NetServer): Promise<void> {
    if (this.options.removeStale ?? true) {
      if (!(await isSocketLive(this.path))) await removeSocketFile(this.path);
    }
    await listenOn(server, { path: this.path }, this.description);
    if (this.options.mode !== undefined) await chmod(this.path, this.options.mode);
  }
}

/** Removes the path if it is a socket file (never a regular file someone pointed us at). */
export async function removeSocketFile(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSocket()) await unlink(path);
}

/** True when something accepts connections on the socket path (then it is not stale). */
export function isSocketLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
