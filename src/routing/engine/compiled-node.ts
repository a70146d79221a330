import type { FnFilter, HostFilter } from '../filters.js';
import type { Segment, WildKind } from '../path-pattern.js';
import type { Handler } from '../types.js';
import { charCodes } from './path-segments.js';

/**
 * The compiled form of the router tree. Everything a lookup needs is precomputed per
 * node: the chain of hoops from the root, the route label and the innermost body limit
 * (so a match allocates nothing for them), the path filters merged into one segment
 * list, and an index of the children (dispatch.ts). Classes with fixed fields keep the
 * hot loop monomorphic.
 */

export const STATIC = 0;
export const PARAM = 1;
export const CHARS = 2;
export const REGEX = 3;
export const WILD = 4;
export const COMB = 5;

const EMPTY_CODES = new Int32Array(0);

/** One pattern segment with a numeric tag; unused fields stay at their defaults. */
export class CSeg {
  tag = STATIC;
  text = '';
  /** static: the char codes of `text` (see sameChars in path-segments.ts) */
  codes: Int32Array = EMPTY_CODES;
  name = '';
  hex = false;
  min = 0;
  max = 0;
  regex: RegExp | null = null;
  /** comb: param names, value of names[k] in group `__v${k}` */
  names: readonly string[] = [];
  /** wild, or comb ending with a wildcard */
  wildMode: WildKind | null = null;
  wildName = '';
  wildRegex: RegExp | null = null;
  /** Consumes the rest of the path (a wildcard, or a comb ending with one). */
  multi = false;

  constructor(seg: Segment) {
    switch (seg.kind) {
      case 'static':
        this.text = flatten(seg.text);
        this.codes = charCodes(this.text);
        break;
      case 'param':
        this.tag = PARAM;
        this.name = seg.name;
        break;
      case 'chars':
        this.tag = CHARS;
        this.name = seg.name;
        this.hex = seg.hex;
        this.min = seg.min;
        this.max = seg.max;
        break;
      case 'regex':
        this.tag = REGEX;
        this.name = seg.name;
        this.regex = seg.regex;
        break;
      case 'wild':
        this.tag = WILD;
        this.multi = true;
        this.wildMode = seg.mode;
        this.wildName = seg.name;
        this.wildRegex = seg.regex ?? null;
        break;
      case 'comb':
        this.tag = COMB;
        this.regex = seg.regex;
        this.names = seg.names;
        if (seg.wild) {
          this.multi = true;
          this.wildMode = seg.wild.mode;
          this.wildName = seg.wild.name;
          this.wildRegex = seg.wild.regex ?? null;
        }
        break;
    }
  }
}

/**
 * The same text as a flat, internalized string. The parser builds literals piece by
 * piece, which leaves V8 cons-strings; reading those char by char in the hot loop goes
 * through an indirection every time. Using a string as a property key internalizes it.
 */
export function flatten(text: string): string {
  return Object.keys({ [text]: 0 })[0] ?? text;
}

/**
 * Builds the params object of a match (see params-factory.ts): from the param stack
 * (`rows`, `vals`), or, for a leaf under a node with `paramsInPlace`, from the segments
 * at fixed offsets from `base`, the row where that node started.
 */
export type ParamsFactory = (
  text: string,
  starts: Int32Array,
  ends: Int32Array,
  rows: Int32Array,
  vals: readonly string[],
  base: number,
) => Record<string, string>;

export class CNode {
  /** Required method, or null. A router with two different method filters gets one that never matches. */
  method: string | null = null;
  hosts: HostFilter[] | null = null;
  fns: FnFilter[] | null = null;
  segs: CSeg[] = [];
  children: CNode[] = [];
  /** Index over `children`; null when there are none. */
  dispatch: Dispatch | null = null;
  /**
   * Set when every child is a bare leaf (a goal and at most a method filter, as `.get(h)`
   * makes): such children match only at the end of the path, and then the first one whose
   * method fits wins: leafNodes[i] for leafMethods[i], else `leafOther` (the first leaf
   * without a method). A short array scan beats a Map for the usual one to four methods.
   */
  leafMethods: string[] | null = null;
  leafNodes: CNode[] = [];
  leafOther: CNode | null = null;
  goal: Handler | undefined = undefined;
  /** Hoops root to here (shared, frozen: the same array for every match of this node). */
  hoops: readonly Handler[] = [];
  /** `hoops` then `goal`, as a match runs them (frozen, one array per node with a goal). */
  handlers: readonly Handler[] = [];
  route = '/';
  bodyLimit: number | undefined = undefined;
  /**
   * The names of the params captured on the way root to here, in capture order. A match
   * ending here leaves exactly these on the param stack (failed branches are rolled
   * back), so the params object can be built by `makeParams` with fixed keys.
   */
  paramNames: readonly string[] = [];
  makeParams: ParamsFactory | null = null;
  /**
   * Set on a node whose segments capture every param of every match below it, each from
   * one whole segment (no param before it, none after it, no wildcard or comb): a param
   * is then always the segment at a fixed offset from the row where this node started,
   * so a lookup records that row instead of pushing params, and the leaves below build
   * their params from it (`paramsAtBase`).
   */
  paramsInPlace = false;
  /** makeParams reads the segments at fixed offsets from the row of a `paramsInPlace` node. */
  paramsAtBase = false;
  /**
   * No host or custom filter, and only literals and plain params that stay in place
   * (`paramsInPlace`, or no params): entering it only compares literals and checks that
   * the path has enough segments.
   */
  simple = false;
  /** Each of `segs` takes exactly one path segment (no wildcard, no comb). */
  singles = true;
  /** Path segments this node's own patterns need at least; fewer left means they fail. */
  minRows = 0;
  /** Path segments this subtree can consume at most (-1: no limit); more left means it cannot end there. */
  maxRows = 0;
}

export const LIST = 0;
export const BY_SEGMENT = 1;
export const BY_METHOD = 2;

/** A literal in a BY_SEGMENT dispatch, and where the dispatch continues when the segment is this literal. */
export class LitEntry {
  /** The char codes of `key` (see sameChars in path-segments.ts). */
  readonly codes: Int32Array;
  constructor(
    readonly key: string,
    readonly target: Dispatch,
  ) {
    this.codes = charCodes(key);
  }
}

/**
 * Chooses, from the request, the ordered list of children worth trying. LIST: this
 * list. BY_SEGMENT: look at the segment `depth` places after the cursor and continue
 * with the dispatch of that literal, or `other`, or `ended` when there is no such
 * segment. BY_METHOD: continue with the dispatch of the request method, or `other`.
 */
export class Dispatch {
  tag = LIST;
  items: readonly CNode[] = [];
  /**
   * Parallel to `items`: bit i set when the dispatch already compared the item's literal
   * segment i with the request, so trying the item need not compare it again.
   */
  verified: readonly number[] = [];
  depth = 0;
  /**
   * BY_SEGMENT literals bucketed by first char: byFirst[c - firstBase] holds the literals
   * starting with char code c. The first char is the one thing known about a segment whose
   * end was not searched for yet (path-segments.ts), and an array index is cheaper than a
   * Map lookup; the table spans only the first chars present (a-z, usually).
   */
  byFirst: (LitEntry[] | null)[] = [];
  firstBase = 0;
  other: Dispatch | null = null;
  ended: Dispatch | null = null;
  byMethod: Map<string, Dispatch> | null = null;
}
