import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Server as NetServer } from 'node:net';
import { loadTls, type ResolvedTls, secureContextOptions, TlsConfigError, type TlsOptions } from './tls.js';

/** The protocol a listener speaks. */
export interface ListenerProtocol {
  tls?: ResolvedTls;
  /** HTTP/2 over TLS (ALPN), with HTTP/1.1 still accepted. Needs `tls`. */
  http2?: boolean;
  /** Cleartext HTTP/2 with prior knowledge (no HTTP/1.1 on that listener). */
  h2c?: boolean;
}

export interface HttpLimits {
  /** Node http.Server options (header size, timeouts). */
  http1: http.ServerOptions;
  /** Largest header list an HTTP/2 peer may send, in bytes. */
  maxHeaderListSize: number;
  /** Streams one HTTP/2 session may have open at once. */
  maxConcurrentStreams: number;
}

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The Node server for a protocol; `secure` tells which event hands out the TLS sockets. */
export function createNodeServer(
  protocol: ListenerProtocol,
  limits: HttpLimits,
  onRequest: RequestListener,
): { server: NetServer; secure: boolean; http2: boolean } {
  const settings = {
    maxConcurrentStreams: limits.maxConcurrentStreams,
    maxHeaderListSize: limits.maxHeaderListSize,
  };
  const h2Listener = onRequest as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  if (protocol.tls && protocol.http2) {
    const server = http2.createSecureServer(
      {
        ...secureContextOptions(protocol.tls),
        allowHTTP1: true,
        settings,
        maxHeaderListPairs: 256,
        // HTTP/1.1 connections on this server get the same limits as on a plain one.
        ...(limits.http1 as object),
      },
      h2Listener,
    );
    return { server, secure: true, http2: true };
  }
  if (protocol.tls) {
    return {
      server: https.createServer({ ...limits.http1, ...secureContextOptions(protocol.tls) }, onRequest),
      secure: true,
      http2: false,
    };
  }
  if (protocol.h2c) {
    return {
      server: http2.createServer({ settings, maxHeaderListPairs: 256 }, h2Listener),
      secure: false,
      http2: true,
    };
  }
  return { server: http.createServer(limits.http1, onRequest), secure: false, http2: false };
}

/** What a listener is told about TLS and HTTP/2 (TLS material as paths, PEM text or bytes). */
export interface ProtocolOptions {
  tls?: TlsOptions;
  /** HTTP/2 over TLS with ALPN (HTTP/1.1 still accepted). Needs `tls`. */
  http2?: boolean;
  /** Cleartext HTTP/2 with prior knowledge. */
  h2c?: boolean;
}

/** Checks the combination and reads the TLS files (now: a renewal is read by the next listener). */
export function resolveProtocol(options: ProtocolOptions, where: string): ListenerProtocol {
  if (options.http2 && !options.tls) {
    throw new TlsConfigError(`${where}: http2 needs TLS (.tls({ cert, key })); for cleartext HTTP/2 use { h2c: true }`);
  }
  if (options.h2c && options.tls)
    throw new TlsConfigError(`${where}: h2c is cleartext HTTP/2; with TLS use { http2: true }`);
  return {
    ...(options.tls ? { tls: loadTls(options.tls) } : {}),
    ...(options.http2 ? { http2: true } : {}),
    ...(options.h2c ? { h2c: true } : {}),
  };
}
