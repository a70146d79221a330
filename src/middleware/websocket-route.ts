import { Router } from '../routing/router.js';
import { type WebSocketHandler, type WebSocketOptions, websocket } from './websocket.js';

/**
 * A WebSocket endpoint as a router of its own: `wsRoute('chat/{room}', handler)` is
 * `new Router('chat/{room}').get(websocket(handler, options))`, a GET child whose goal
 * accepts the upgrade, so the route's params, hoops (auth before the upgrade) and body
 * limit (the default `maxPayload`) apply. Plain GETs get 426 unless `options.fallback`
 * answers them. Add hoops or a body limit to the router it returns.
 *
 * This lives here rather than as a Router method so that routing does not depend on
 * middleware (the WebSocket goal needs `ws` and the server's upgrade handling).
 */
export function wsRoute(path: string, handler: WebSocketHandler, options?: WebSocketOptions): Router {
  return new Router(path).get(websocket(handler, options));
}
