import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Depot } from '../http/depot.js';
import type { Handler } from '../http/handler.js';
import { memoryStore } from './stores/memory-store.js';
import type { Store } from './stores/store.js';

export interface SessionOptions {
  /**
   * The secret the cookie's id is signed with (HMAC-SHA256), or a list for rotation: the
   * first signs, every one verifies. Use at least 32 random bytes.
   */
  secret: string | readonly string[];
  /** Where session data lives. Default: a `memoryStore()` (per worker!). */
  store?: Store;
  /** Cookie name. Default 'volley.sid'. */
  cookieName?: string;
  /** Session lifetime in ms. Default 1 day. */
  maxAge?: number;
  /**
   * true: every request pushes the expiry `maxAge` further (the cookie is sent again and the
   * store entry touched). false (default): a session expires `maxAge` after it was created.
   */
  rolling?: boolean;
  /** Cookie attributes. Defaults: httpOnly true, sameSite 'lax', secure false, path '/'. */
  httpOnly?: boolean;
  sameSite?: 'strict' | 'lax' | 'none';
  secure?: boolean;
  path?: string;
  domain?: string;
  /** Store key prefix. Default 'sess:'. */
  prefix?: string;
  /**
   * The clock (ms since the epoch) expiries are computed from. Default `Date.now`. The default
   * memory store reads the same clock; pass it to `memoryStore({ now })` too when giving a store,
   * so tests can move time without sleeping.
   */
  now?: () => number;
}

interface SessionRecord {
  data: { [key: string]: unknown };
  /** ms since the epoch. */
  expiresAt: number;
}

/**
 * A request's session, in the Depot: `depot.obtain(Session)` or `getSession(depot)`. Values
 * must be JSON-serialisable. Changes are saved after the handler chain, and only if the data
 * changed (compared as JSON, so changes inside nested objects count) or the session was
 * regenerated or destroyed.
 */
export class Session {
  #id: string;
  #data: { [key: string]: unknown };
  #destroyed = false;
  #regenerated: string | undefined;
  /** @internal */
  readonly expiresAt: number;
  /** True for a session created by this request (no valid cookie came in). */
  readonly isNew: boolean;

  /** @internal Created by the `session()` hoop. */
  constructor(id: string, data: { [key: string]: unknown }, expiresAt: number, isNew: boolean) {
    this.#id = id;
    this.#data = data;
    this.expiresAt = expiresAt;
    this.isNew = isNew;
  }

  get id(): string {
    return this.#id;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#data[key] as T | undefined;
  }

  set(key: string, value: unknown): this {
    this.#data[key] = value;
    return this;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#data, key);
  }

  delete(key: string): this {
    delete this.#data[key];
    return this;
  }

  /** A copy of all the data. */
  toJSON(): { [key: string]: unknown } {
    return structuredClone(this.#data);
  }

  /** Ends the session: its data is deleted from the store and the cookie cleared. */
  destroy(): void {
    this.#destroyed = true;
    this.#data = {};
  }

  /**
   * A new id (and cookie) for this session, the old one deleted from the store: call it on
   * login and privilege changes, against session fixation. The data is kept unless
   * `{ keepData: false }`.
   */
  regenerate(options: { keepData?: boolean } = {}): void {
    this.#regenerated ??= this.#id;
    this.#id = newId();
    this.#destroyed = false;
    if (options.keepData === false) this.#data = {};
  }

  /** @internal */
  get state(): { destroyed: boolean; replacedId: string | undefined; data: { [key: string]: unknown } } {
    return { destroyed: this.#destroyed, replacedId: this.#regenerated, data: this.#data };
  }
}

/** The session the `session()` hoop put in the Depot. */
export function getSession(depot: Depot): Session | undefined {
  return depot.obtain(Session);
}

const newId = (): string => randomBytes(18).toString('base64url');
const sign = (id: string, secret: string): string => createHmac('sha256', secret).update(id).digest('base64url');

/** `id.signature`, verified against every secret (constant time); undefined if none matches. */
function unsign(value: string | undefined, secrets: readonly string[]): string | undefined {
  if (!value) return undefined;
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(sign(id, secret));
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok ? id : undefined;
}

/**
 * Server-side sessions: the cookie holds only a random id signed with HMAC-SHA256, the data
 * lives in a Store (`workerSharedStore()` or `redisStore()` for sessions that every worker
 * sees; the default memory store is per worker). A cookie with a bad signature, or whose
 * session expired or is unknown, starts a new session. Nothing is stored, and no cookie
 * sent, for a new session nobody wrote to.
 */
export function session(options: SessionOptions): Handler {
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError('session: secret must be a non-empty string or a list of them');
  }
  const clock = options.now ?? Date.now;
  const store = options.store ?? memoryStore({ now: clock });
  const cookieName = options.cookieName ?? 'volley.sid';
  const maxAge = options.maxAge ?? 24 * 60 * 60 * 1000;
  if (!Number.isFinite(maxAge) || maxAge < 1000) throw new TypeError('session: maxAge must be at least 1000 ms');
  const rolling = options.rolling ?? false;
  const prefix = options.prefix ?? 'sess:';
  const cookieOptions = {
    httpOnly: options.httpOnly ?? true,
    sameSite: options.sameSite ?? ('lax' as const),
    secure: options.secure ?? false,
    path: options.path ?? '/',
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
  };

  return async (req, res, depot, ctrl) => {
    const now = clock();
    const incoming = unsign(req.cookie(cookieName), secrets);
    // The store's TTL is the expiry; a fixed session's record also carries its end, so a
    // save can keep the remaining time instead of restarting it.
    const live = incoming === undefined ? undefined : await store.get<SessionRecord>(prefix + incoming);
    const sess = live
      ? new Session(incoming!, live.data ?? {}, live.expiresAt, false)
      : new Session(newId(), {}, now + maxAge, true);
    const before = JSON.stringify(live?.data ?? {});
    depot.inject(sess);

    await ctrl.callNext();

    const { destroyed, replacedId, data } = sess.state;
    const storedId = live ? incoming : undefined;
    if (destroyed) {
      if (storedId !== undefined) await store.delete(prefix + storedId);
      if (req.cookie(cookieName) !== undefined) res.clearCookie(cookieName, cookieOptions);
      return;
    }
    const regenerated = replacedId !== undefined;
    if (regenerated && storedId !== undefined) await store.delete(prefix + storedId);
    // A new session nobody wrote to: nothing to keep, no cookie.
    if (sess.isNew && !regenerated && Object.keys(data).length === 0) return;
    const end = clock();
    const expiresAt = rolling ? end + maxAge : sess.expiresAt;
    const ttl = expiresAt - end;
    if (ttl <= 0) return;
    const key = prefix + sess.id;
    if (sess.isNew || regenerated || JSON.stringify(data) !== before) {
      await store.set(key, { data, expiresAt } satisfies SessionRecord, ttl);
    } else if (rolling) {
      await store.touch(key, ttl);
    } else {
      return; // unchanged, fixed expiry: the cookie the client has is still right
    }
    if (sess.isNew || regenerated || rolling) {
      res.cookie(cookieName, `${sess.id}.${sign(sess.id, secrets[0]!)}`, {
        ...cookieOptions,
        expires: new Date(expiresAt),
      });
    }
  };
}
