import type { Request, RouteMatch } from '../types.js';
import { type CNode, STATIC } from './compiled-node.js';
import type { Answer, Engine } from './engine.js';

/** A match computed at build time; `copyParams` is false when it has no params. */
interface CachedMatch {
  match: RouteMatch;
  copyParams: boolean;
}
type CachedAnswer = CachedMatch | 404 | 405;

/** The answers for one literal path: `answers[i]` for `methods[i]`, `other` for the rest. */
interface CachedPath {
  methods: string[];
  answers: CachedAnswer[];
  other: CachedAnswer;
}

function cached(answer: Answer): CachedAnswer {
  return typeof answer === 'number' ? answer : { match: answer, copyParams: Object.keys(answer.params).length > 0 };
}

/**
 * Precomputed answers for the paths made only of literals, e.g. `/users/me` or
 * `/notifications`, looked up by the raw request path in one Map; the other paths go to
 * the engine behind it (`next`).
 *
 * This is only valid when the answer depends on nothing but the method and the path,
 * i.e. when the tree has no host or custom filter (compile.ts checks). Each answer is
 * computed by a real engine at compile time, for every method the tree names plus one
 * stand-in for all other methods (they all fail every method filter alike), so it is
 * whatever the matcher would say, including a param route registered earlier that
 * catches the literal path. A request path that is not exactly a key (another spelling,
 * a trailing slash, an escape) just takes the normal way.
 */
export class StaticCache implements Engine {
  readonly #entries = new Map<string, CachedPath>();
  /**
   * A cheap pre-check before hashing the whole path, since most lookups miss: does some
   * key have this length and last char? Bit (c & 127) of the 128 bits at `#ends[4 *
   * length]` is set for a key of that length ending with char c. One char read and one
   * load turn away most param paths, where a fingerprint of more chars cost more than the
   * rest of a short lookup and slowed every hit too.
   */
  readonly #ends: Uint32Array;
  readonly #next: Engine;

  /**
   * The table for the literal paths of the tree at `root`, computed by `source` (called
   * without a request: the tree has no filter that reads one); `next` answers the rest.
   */
  constructor(root: CNode, methods: ReadonlySet<string>, source: Engine, next: Engine) {
    this.#next = next;
    for (const path of literalPaths(root)) {
      const entry: CachedPath = { methods: [], answers: [], other: cached(source.match('\0other', path, null)) };
      for (const m of methods) {
        const answer = cached(source.match(m, path, null));
        // A method answered like all others (the same 404 or 405) needs no slot of its own.
        if (answer !== entry.other) {
          entry.methods.push(m);
          entry.answers.push(answer);
        }
      }
      this.#entries.set(path, entry);
    }
    const paths = [...this.#entries.keys()];
    this.#ends = new Uint32Array(4 * (Math.max(0, ...paths.map((path) => path.length)) + 1));
    for (const path of paths) {
      const c = path.charCodeAt(path.length - 1) & 127;
      this.#ends[4 * path.length + (c >> 5)]! |= 1 << (c & 31);
    }
  }

  match(method: string, path: string, req: Request | null): Answer {
    const hit = this.lookup(method, path);
    return hit !== undefined ? hit : this.#next.match(method, path, req);
  }

  /** The answer for this request, or undefined when the path is not a cached one. */
  private lookup(method: string, path: string): Answer | undefined {
    const at = 4 * path.length;
    if (at >= this.#ends.length) return undefined;
    const c = path.charCodeAt(path.length - 1) & 127;
    if ((this.#ends[at + (c >> 5)]! & (1 << (c & 31))) === 0) return undefined;
    const entry = this.#entries.get(path);
    if (entry === undefined) return undefined;
    // A scan of the few methods the tree names: cheaper than hashing the method string.
    let answer = entry.other;
    const methods = entry.methods;
    for (let i = 0; i < methods.length; i++) {
      if (methods[i] === method) {
        answer = entry.answers[i]!;
        break;
      }
    }
    if (typeof answer === 'number') return answer;
    // A fresh result and params object per request: handlers may change them. Most literal
    // paths have no params, and a `{}` literal costs far less than copying an empty object.
    const m = answer.match;
    return {
      hoops: m.hoops,
      goal: m.goal,
      handlers: m.handlers,
      params: answer.copyParams ? { ...m.params } : {},
      route: m.route,
      bodyLimit: m.bodyLimit,
    };
  }
}

/** '/'-joined literal paths of every node reachable through literal segments only. */
function literalPaths(root: CNode, limit = 10_000): Set<string> {
  const paths = new Set<string>();
  const visit = (node: CNode, prefix: string): void => {
    let path = prefix;
    for (const seg of node.segs) {
      if (seg.tag !== STATIC) return;
      path += `/${seg.text}`;
    }
    if (paths.size >= limit) return;
    paths.add(path === '' ? '/' : path);
    for (const child of node.children) visit(child, path);
  };
  visit(root, '');
  return paths;
}
