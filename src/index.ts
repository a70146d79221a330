/**
 * Volley: a Salvo-style web framework for Node.js that serves one port from many
 * worker processes over SO_REUSEPORT. See DESIGN.md and docs/.
 */

export * from './bus/index.js';
export * from './cluster/index.js';
export { defineConfig } from './config/define-config.js';
export type { VolleyConfig } from './config/options.js';
export * from './errors.js';
export * from './http/index.js';
export * from './middleware/index.js';
export * from './openapi/index.js';
export * from './routing/index.js';
export { serveCluster } from './serve-cluster.js';
export * from './server/index.js';
export * from './validation/index.js';
export { VERSION } from './version.js';
