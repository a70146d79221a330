/**
 * Whether an app registered an OpenTelemetry tracer provider, answered without loading
 * `@opentelemetry/api`: the API (every 1.x copy of it) keeps what was registered globally in
 * `globalThis[Symbol.for('opentelemetry.js.api.1')]`, and a registered provider sits under
 * `trace`. So a process with no OpenTelemetry, or with the API but no provider, pays one
 * property read per request and never loads the API.
 */
const API_KEY = Symbol.for('opentelemetry.js.api.1');

type OtelGlobal = { [API_KEY]?: { trace?: unknown } };

export function tracingActive(): boolean {
  return (globalThis as OtelGlobal)[API_KEY]?.trace !== undefined;
}
