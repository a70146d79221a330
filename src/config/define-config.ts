import type { VolleyConfig } from './options.js';

/**
 * Types a config file: `export default defineConfig({ app: './app.ts', workers: 4 })` in
 * volley.config.ts. It returns its argument; the checks happen when `volley serve` loads it.
 */
export function defineConfig(config: VolleyConfig): VolleyConfig {
  return config;
}
