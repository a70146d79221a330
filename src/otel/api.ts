import { createRequire } from 'node:module';

export type OtelApi = typeof import('@opentelemetry/api');

const requireHere = createRequire(import.meta.url);
let api: OtelApi | null | undefined;

/**
 * `@opentelemetry/api`, an optional peer dependency: loaded the first time a provider is seen
 * registered (tracing-active.ts), from wherever the app's copy resolves; null without it.
 * (Its CommonJS build loads synchronously, so the first traced request is traced too.)
 */
export function otelApi(): OtelApi | null {
  if (api === undefined) {
    try {
      api = requireHere('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
  }
  return api;
}
