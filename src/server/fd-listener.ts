import type { Server as NetServer } from 'node:net';
import { servesFd } from './fd-servers.js';
import { type Listener, listenOn } from './listener.js';
import { type ListenerProtocol, type ProtocolOptions, resolveProtocol } from './node-server.js';

/** Serves on an already listening socket inherited as a file descriptor (how `volley serve` workers listen). */
export class FdListener implements Listener {
  readonly fd: number;
  readonly label: string;

  readonly #protocol: ProtocolOptions;

  constructor(fd: number, label = `fd ${fd}`, protocol: ProtocolOptions = {}) {
    this.fd = fd;
    this.label = label;
    this.#protocol = protocol;
  }

  protocol(): ListenerProtocol {
    return resolveProtocol(this.#protocol, this.label);
  }

  get description(): string {
    return this.label;
  }

  listen(server: NetServer): Promise<void> {
    servesFd(this.fd, server);
    return listenOn(server, { fd: this.fd }, this.label);
  }
}
