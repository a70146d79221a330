import type { Server as NetServer } from 'node:net';
import type { ListenerProtocol } from './node-server.js';

/** What a Server needs from a listener: a way to make its net.Server listen. */
export interface Listener {
  /** Human-readable address, for logs and errors. */
  readonly description: string;
  /** Starts `server` listening; resolves once it is, rejects with a message naming the address. */
  listen(server: NetServer): Promise<void>;
  /** TLS and HTTP/2 settings; plain HTTP/1.1 when absent. */
  protocol?(): ListenerProtocol;
}

/** Wraps server.listen() in a promise that rejects on the first 'error'. */
export function listenOn(server: NetServer, args: Parameters<NetServer['listen']>[0], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (!err.message.includes(what)) err.message = `${err.message} (listening on ${what})`;
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(args);
  });
}
