/**
 * Every error Volley throws on purpose is a VolleyError with a stable `code`
 * (documented in docs/errors.md), so callers can branch on codes, not messages.
 */
export class VolleyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // The class's own name. In the bundle (scripts/bundle.mjs) esbuild turns a class that refers
    // to itself into `var StatusError = class _StatusError`, whose name has a leading '_'.
    this.name = new.target.name.replace(/^_+/, '');
    this.code = code;
  }
}

/** The native addon could not be loaded (not built, or built for another platform). */
export class NativeAddonError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_NATIVE_ADDON', message, { cause });
  }
}

/** A listen address (`host:port`, `[v6]:port`, `unix:/path`) that cannot be parsed. */
export class AddressError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_BAD_ADDRESS', message);
  }
}

/** A command-line flag or value that is not valid. */
export class UsageError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_USAGE', message);
  }
}

/** The app module could not be loaded or does not export a Router or Service. */
export class AppModuleError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_APP_MODULE', message, { cause });
  }
}

/**
 * A setup method called after the thing it sets up started: `Service.hoop()` once the
 * service was compiled or handled a request (its chains are built by then), a second
 * `Server.serve()`.
 */
export class AlreadyStartedError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_ALREADY_STARTED', message);
  }
}
