import type { Handler } from './handler.js';

/**
 * What an authentication hoop tells the OpenAPI document about itself: the security
 * scheme it implements. jwtAuth() and basicAuth() attach one to the handler they return,
 * so OpenApi can put the scheme on every operation below the router the hoop is on.
 */
export interface SecuritySchemeInfo {
  /** The key under `components.securitySchemes`, e.g. 'bearerAuth'. */
  readonly name: string;
  /** The OpenAPI Security Scheme Object. */
  readonly scheme: Readonly<Record<string, unknown>>;
  /** The hoop lets requests without credentials through (`jwtAuth({ required: false })`). */
  readonly optional: boolean;
}

const kSecurityScheme: unique symbol = Symbol('volley.securityScheme');

export function withSecurityScheme<H extends Handler>(handler: H, info: SecuritySchemeInfo): H {
  return Object.assign(handler, { [kSecurityScheme]: info });
}

export function securitySchemeOf(handler: Handler): SecuritySchemeInfo | undefined {
  return (handler as { [kSecurityScheme]?: SecuritySchemeInfo })[kSecurityScheme];
}
