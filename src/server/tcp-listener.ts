import type { Server as NetServer } from 'node:net';
import { AddressError } from '../errors.js';
import { native } from '../native/index.js';
import { formatHostPort, parseAddress, resolveHost } from './address.js';
import { type Listener, listenOn } from './listener.js';
import { type ListenerProtocol, resolveProtocol } from './node-server.js';
import type { TlsOptions } from './tls.js';

export interface TcpListenerOptions {
  /** HTTP/2 over TLS (ALPN; HTTP/1.1 clients still served). Needs `.tls(...)`. */
  http2?: boolean;
  /** Cleartext HTTP/2 with prior knowledge (h2c); this listener then speaks only HTTP/2. */
  h2c?: boolean;
  /** Bind with SO_REUSEPORT through Volley's addon, so several processes can share the port. */
  reusePort?: boolean;
  /** listen(2) backlog, default 511. */
  backlog?: number;
  /** For IPv6 addresses: accept IPv6 only (default: dual stack). */
  ipv6Only?: boolean;
}

/** Listens on `host:port` or `[v6]:port` (port 0 = any free port). */
export class TcpListener implements Listener {
  readonly host: string;
  readonly port: number;
  readonly options: TcpListenerOptions;
  #tls: TlsOptions | undefined;

  constructor(address: string | { host: string; port: number }, options: TcpListenerOptions = {}) {
    if (typeof address === 'string') {
      const parsed = parseAddress(address, 'TcpListener');
      if (parsed.kind !== 'tcp')
        throw new AddressError(`TcpListener needs host:port, got '${address}' (use UnixListener)`);
      this.host = parsed.host;
      this.port = parsed.port;
    } else {
      this.host = address.host;
      this.port = address.port;
    }
    this.options = options;
  }

  /** Serve TLS: certificate and key as paths, PEM text or bytes (checked when listening). */
  tls(options: TlsOptions): this {
    this.#tls = options;
    return this;
  }

  protocol(): ListenerProtocol {
    return resolveProtocol(
      { ...(this.#tls ? { tls: this.#tls } : {}), http2: this.options.http2 ?? false, h2c: this.options.h2c ?? false },
      `TcpListener ${this.description}`,
    );
  }

  get description(): string {
    return formatHostPort(this.host, this.port);
  }

  async listen(server: NetServer): Promise<void> {
    const host = await resolveHost(this.host, `TcpListener ${this.description}`);
    const backlog = this.options.backlog ?? 511;
    if (this.options.reusePort) {
      const addon = native();
      const fd = addon.openListener({
        host,
        port: this.port,
        backlog,
        reusePort: true,
        ipv6Only: this.options.ipv6Only ?? false,
      });
      try {
        await listenOn(server, { fd }, this.description);
      } catch (err) {
        addon.closeFd(fd);
        throw err;
      }
      return;
    }
    await listenOn(
      server,
      { host, port: this.port, backlog, ipv6Only: this.options.ipv6Only ?? false },
      this.description,
    );
  }
}
