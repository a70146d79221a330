import type {
  JSONWebKeySet,
  JWTHeaderParameters,
  JWTPayload,
  JWTVerifyGetKey,
  KeyInput,
  RemoteJWKSetOptions,
} from 'jose';
import { lazyRequire } from '../lazy-require.js';

const jose = lazyRequire<typeof import('jose')>('jose');

import type { Depot } from '../http/depot.js';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import { withSecurityScheme } from '../http/security-scheme.js';
import { StatusError } from '../http/status-error.js';

export type JwtSource = 'header' | 'cookie' | 'query';

export interface JwtAuthOptions {
  /**
   * The accepted signature algorithms, e.g. ['HS256'] or ['RS256', 'ES256']. Required: the
   * token's own `alg` is only checked against this list, never trusted. 'none' is refused.
   */
  algorithms: string[];
  /** Exactly one key source: a shared HMAC secret, */
  secret?: string | Uint8Array;
  /** a key (CryptoKey, KeyObject, JWK or raw bytes), */
  key?: KeyInput;
  /** a JWKS URL (fetched and cached by `jose`'s `createRemoteJWKSet`), */
  jwks?: string | URL;
  /** a JWKS document held locally, */
  keySet?: JSONWebKeySet;
  /** or a function of the token's header that returns the key. */
  getKey?: JWTVerifyGetKey;
  /** Options for the remote key set (timeout, cooldown, cache max age, headers). */
  jwksOptions?: RemoteJWKSetOptions;
  /** Expected `iss` (one or any of several). */
  issuer?: string | string[];
  /** Expected `aud` (the token must name one of these). */
  audience?: string | string[];
  /** Allowed clock skew for exp/nbf/iat, in seconds or a `jose` time span ('30s'). Default 0. */
  clockTolerance?: string | number;
  /** Claims that must be present, e.g. ['sub']. */
  requiredClaims?: string[];
  /** Where to look for the token, in order. Default ['header']. */
  from?: JwtSource[];
  /** Cookie name (with 'cookie' in `from`). Default 'token'. */
  cookie?: string;
  /** Query parameter (with 'query' in `from`). Default 'access_token' (RFC 6750). */
  query?: string;
  /** When false, a request without any token passes with no claims (a bad token is still a 401). Default true. */
  required?: boolean;
  /** Depot key for the claims. Default 'jwt'. */
  depotKey?: string;
  /** The realm in `WWW-Authenticate`. Default 'api'. */
  realm?: string;
}

/** A verified token, also put in the Depot by type: `depot.obtain(JwtToken)`. */
export class JwtToken<T extends JWTPayload = JWTPayload> {
  constructor(
    readonly claims: T,
    readonly header: JWTHeaderParameters,
    readonly token: string,
  ) {}
}

/** The verified claims jwtAuth put in the Depot (`depot.get('jwt')`), typed. */
export function jwtClaims<T extends JWTPayload = JWTPayload>(depot: Depot): T | undefined {
  return depot.obtain(JwtToken)?.claims as T | undefined;
}

const REASONS: Record<string, string> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the signature does not verify',
  ERR_JOSE_ALG_NOT_ALLOWED: 'the token algorithm is not allowed',
  ERR_JWKS_NO_MATCHING_KEY: 'no key matches the token',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'several keys match the token',
  ERR_JWS_INVALID: 'the token is malformed',
  ERR_JWT_INVALID: 'the token is malformed',
};
// The key set could not be obtained: the server's fault, not the client's.
const KEY_SET_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

function keyFrom(options: JwtAuthOptions): KeyInput | JWTVerifyGetKey {
  const given = (['secret', 'key', 'jwks', 'keySet', 'getKey'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(
      `jwtAuth: give exactly one of secret, key, jwks, keySet, getKey (got ${given.join(', ') || 'none'})`,
    );
  }
  if (options.secret !== undefined) {
    return typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  }
  if (options.jwks !== undefined) return jose().createRemoteJWKSet(new URL(options.jwks), options.jwksOptions);
  if (options.keySet !== undefined) return jose().createLocalJWKSet(options.keySet);
  return (options.key ?? options.getKey)!;
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header) : null;
  return m ? m[1] : undefined;
}

/**
 * Authenticates with a JSON Web Token verified by `jose`: signature (HMAC secret, public key
 * or JWKS), `exp`/`nbf`, and the issuer and audience you name. The claims go into the Depot
 * (`depot.get('jwt')`, or typed: `jwtClaims(depot)` / `depot.obtain(JwtToken)`). A missing
 * token is a 401 with `WWW-Authenticate: Bearer realm="api"`; an expired, forged, unsigned
 * (`alg: none`), wrongly signed or wrong-audience one a 401 with `error="invalid_token"`.
 * A key set that cannot be fetched is a 503.
 */
export function jwtAuth(options: JwtAuthOptions): Handler {
  const algorithms = options.algorithms;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('jwtAuth: algorithms must list the accepted algorithms, e.g. ["HS256"]');
  }
  if (algorithms.some((a) => a.toLowerCase() === 'none')) {
    throw new TypeError("jwtAuth: 'none' is not an algorithm a token can be accepted with");
  }
  const key = keyFrom(options);
  const from = options.from ?? ['header'];
  for (const source of from) {
    if (source !== 'header' && source !== 'cookie' && source !== 'query') {
      throw new TypeError(`jwtAuth: unknown token source '${String(source)}'`);
    }
  }
  const cookieName = options.cookie ?? 'token';
  const queryName = options.query ?? 'access_token';
  const depotKey = options.depotKey ?? 'jwt';
  const required = options.required ?? true;
  const realm = `realm="${(options.realm ?? 'api').replace(/["\\\r\n]/g, '_')}"`;
  const verifyOptions = {
    algorithms,
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
    ...(options.requiredClaims !== undefined ? { requiredClaims: options.requiredClaims } : {}),
  };

  const find = (req: Request): string | undefined => {
    for (const source of from) {
      const token =
        source === 'header'
          ? bearer(req.header('authorization'))
          : source === 'cookie'
            ? req.cookie(cookieName)
            : req.query(queryName);
      if (token) return token;
    }
    return undefined;
  };

  const hoop: Handler = async (req, res, depot) => {
    const token = find(req);
    if (!token) {
      if (!required) return;
      res.header('www-authenticate', `Bearer ${realm}`);
      throw StatusError.unauthorized('a bearer token is required');
    }
    try {
      const { payload, protectedHeader } = await jose().jwtVerify(token, key as KeyInput, verifyOptions);
      depot.insert(depotKey, payload);
      depot.inject(new JwtToken(payload, protectedHeader, token));
    } catch (err) {
      const { errors } = jose();
      const code = err instanceof errors.JOSEError ? err.code : undefined;
      if (code === undefined || KEY_SET_FAILURES.has(code)) {
        if (options.jwks === undefined && code === undefined) throw err; // a bug, not a bad token: 500
        throw new StatusError(503, 'the key set to verify tokens is unavailable', { cause: err });
      }
      const reason =
        err instanceof errors.JWTClaimValidationFailed
          ? `the "${err.claim}" claim is not valid`
          : (REASONS[code] ?? 'the token is not valid');
      res.header('www-authenticate', `Bearer ${realm}, error="invalid_token", error_description="${reason}"`);
      throw StatusError.unauthorized(reason);
    }
  };
  return withSecurityScheme(hoop, {
    name: 'bearerAuth',
    scheme: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    optional: !required,
  });
}
