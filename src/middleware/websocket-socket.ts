import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * The TCP (or TLS) socket under each WebSocket that `websocket()` accepted: the socket Volley
 * handed to `ws` itself, kept here so `WebSocketRoom` can write pre-built frames to it without
 * reaching into `ws`'s private fields.
 */
const sockets = new WeakMap<WebSocket, Socket>();

export function registerSocket(ws: WebSocket, socket: Socket): void {
  sockets.set(ws, socket);
}

export function socketOf(ws: WebSocket): Socket | undefined {
  return sockets.get(ws);
}
