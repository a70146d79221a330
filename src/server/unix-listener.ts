import { chmod, lstat, unlink } from 'node:fs/promises';
import { type Server as NetServer, connect } from 'node:net';
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
      const info = await lstat(this.path).catch(() => undefined);
      if (info?.isSocket() && !(await isLive(this.path))) await unlink(this.path);
    }
    await listenOn(server, { path: this.path }, this.description);
    if (this.options.mode !== undefined) await chmod(this.path, this.options.mode);
  }
}

/** True when something accepts connections on the socket path (then it is not stale). */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
