export { type ListenAddress, parseAddress } from './address.js';
export { ServerConfigError } from './config-error.js';
export { FdListener } from './fd-listener.js';
export type { Listener } from './listener.js';
export type { ListenerProtocol, ProtocolOptions } from './node-server.js';
export { type BoundAddress, Server, type ServerOptions } from './server.js';
export { TcpListener, type TcpListenerOptions } from './tcp-listener.js';
export { loadTls, TlsConfigError, type TlsOptions } from './tls.js';
export { UnixListener, type UnixListenerOptions } from './unix-listener.js';
