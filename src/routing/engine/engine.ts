import type { Request, RouteMatch } from '../types.js';

/** What a lookup answers: the match, or 404 (nothing matched) / 405 (the path did, no method). */
export type Answer = RouteMatch | 404 | 405;

/**
 * A way of looking requests up in one compiled tree. The implementations give the same
 * answers as Router#detect, the reference; they differ in how:
 *
 * - Run (lookup.ts) walks the compiled tree as data, for any path;
 * - GeneratedEngine (generated-engine.ts) runs JavaScript generated for the tree
 *   (codegen.ts), which is faster, and hands paths with escapes to a Run;
 * - StaticCache (static-cache.ts) answers paths made of literals from a table computed by
 *   another engine, and hands the other paths to it;
 * - Reentrant (reentrant.ts) guards another engine when user code (a host or custom
 *   filter) runs during lookups and might start a lookup of its own.
 *
 * compile.ts composes them into the Matcher a Service calls. Method and path come as
 * arguments so that no engine reads them from the request again.
 */
export interface Engine {
  /**
   * `req` is what host and custom filters test. It is null when the tree has no such
   * filter (a lookup then reads nothing but `method` and `path`), e.g. when the static
   * table is computed at compile time, with no request at hand.
   */
  match(method: string, path: string, req: Request | null): Answer;
}
