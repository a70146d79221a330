import type { Request, RouteMatch } from '../types.js';
import { type Runtime, runtime } from './codegen-runtime.js';
import { Frame, type Known, NOTHING_KNOWN } from './codegen-segments.js';
import type { CNode, CSeg, Dispatch } from './compiled-node.js';
import * as C from './compiled-node.js';

/**
 * A matcher generated for one compiled tree: the same walk as Run (lookup.ts), written
 * out as JavaScript with the tree in the code. Run reads the tree as data: per child a
 * handful of object loads and a loop over segment kinds, per dispatch step bucket
 * arrays and char-code arrays. Here a dispatch step is a `switch` on the segment's first
 * char and compares with literal char codes; a route's segments are straight-line code
 * that knows which segments the dispatch already found and compared (codegen-segments.ts);
 * params are slices of the path taken when the result is built, from positions held in
 * locals; the result and params objects are literals with constant keys.
 *
 * Only paths without '%' come here (compile.ts): a raw segment is then its decoded
 * value, and a segment ends at the next '/'. The answers are Run's, which are Router#detect's.
 */
export type FastMatch = (method: string, path: string, req: Request | null) => RouteMatch | 404 | 405;

/**
 * Beyond this much source (a huge tree) the generated code would take long to compile
 * and be too big for V8 to optimize; Run serves such trees.
 */
const MAX_SOURCE = 2_000_000;

/**
 * Generates the matcher code for the tree; the result makes matchers that each have
 * their own lookup state (one per re-entrant lookup, see compile.ts). Null when the
 * code would be too big, or the tree too deep to generate or parse it (the generator
 * recurses per nested router, V8's parser per nested block; around a thousand levels
 * exhaust the stack, where the interpreted walk still works).
 */
export function generateMatcher(root: CNode, maxSource = MAX_SOURCE): (() => FastMatch) | null {
  if (maxSource <= 0) return null;
  try {
    const gen = new Generator();
    const source = gen.program(root);
    if (source.length > maxSource) return null;
    const factory = new Function('X', 'nodes', 'consts', source) as (
      x: Runtime,
      nodes: readonly CNode[],
      consts: readonly unknown[],
    ) => () => FastMatch;
    return factory(runtime, gen.nodes.values, gen.consts.values);
  } catch (err) {
    // Only a stack overflow; any other error is a bug in the generator and must show.
    if (err instanceof RangeError) return null;
    throw err;
  }
}

/**
 * Where the generated code finds a param of the route being entered: the slice of the
 * frame's segment `seg`, or the string in local `v` (regex, comb and wildcard values).
 */
type Local = { readonly seg: number } | { readonly v: string };

/**
 * Where params captured by an ancestor's route are: a function passes its own to the
 * function of a child router in the `P`/`Q` arrays (positions) or `V` (strings).
 */
type Kept = 'pos' | 'str';

class Generator {
  /** Nodes and other objects the code refers to as `N{i}` and `C{i}`. */
  readonly nodes = new Listed<CNode>();
  readonly consts = new Listed<unknown>();
  /** Walk functions by node, generated once each. */
  private readonly walks = new Map<CNode, string>();
  private readonly functions: string[] = [];
  /** How the params of each node with a walk function were passed to it. */
  private readonly kept = new Map<CNode, readonly Kept[]>();
  private names = 0;
  private usesRequest = false;

  program(root: CNode): string {
    const entry = this.item(root, 0, NOTHING_KNOWN, null, []);
    const top = `function top(T, L) { const p = -1; ${declarations(entry.depth, NOTHING_KNOWN)}\n${entry.code}\nreturn null; }`;
    const params = Math.max(1, maxParams(root));
    const refs = [
      ...this.nodes.values.map((_, i) => `N${i} = nodes[${i}]`),
      ...this.consts.values.map((_, i) => `C${i} = consts[${i}]`),
    ];
    return [
      "'use strict';",
      'const pass = X.pass, chars = X.chars, rest = X.rest, next = X.next, end = X.end, edge = X.edge;',
      refs.length > 0 ? `const ${refs.join(', ')};` : '',
      'return function instance() {',
      // The lookup's state: text, length, method, request, and whether some router saw
      // the path end (a 405 rather than a 404 when nothing matched).
      'let M = 0, R = null, E = false;',
      `const P = new Int32Array(${params}), Q = new Int32Array(${params}), V = new Array(${params}).fill('');`,
      ...this.functions,
      top,
      'return function match(method, path, req) {',
      `E = false;${this.usesRequest ? ' R = req;' : ''}`,
      // 0: a method no router names.
      `switch (method) { ${[...this.methods].map(([m, id]) => `case ${q(m)}: M = ${id}; break;`).join(' ')} default: M = 0; }`,
      // With filters, not keeping the request alive until the next lookup, even when a filter throws.
      this.usesRequest
        ? 'let r = null; try { r = top(path, path.length); } finally { R = null; }'
        : 'const r = top(path, path.length);',
      'return r !== null ? r : E ? 405 : 404;',
      '};',
      '};',
    ].join('\n');
  }

  /**
   * Trying child `c` of the frame's router (Run.walk's loop body, then `enter` and the
   * child's own walk): a labeled block that returns the match, or leaves the block when
   * the child does not match so that the next candidate is tried. `verified` and `known`
   * say what the dispatch already compared and found; `method` is the request method
   * when a dispatch step picked this list by method.
   */
  private item(c: CNode, verified: number, known: Known, method: string | null, kept: readonly Kept[]): Block {
    if (c.method !== null && method !== null && c.method !== method) return { code: '', depth: 0, known };
    const f = new Frame();
    const b = this.name('b');
    const k: Known = { ...known };
    const out: string[] = [];
    if (c.method !== null && method === null) out.push(`if (M !== ${this.method(c.method)}) break ${b};`);
    if (c.hosts !== null) out.push(`if (!pass(${this.constant(c.hosts)}, R)) break ${b};`);
    const locals: Local[] = [];
    const end = this.segments(c, verified, k, f, b, out, locals);
    if (end !== FAILS) {
      if (c.fns !== null) out.push(`if (!pass(${this.constant(c.fns)}, R)) break ${b};`);
      this.afterEnter(c, k, method, f, kept, locals, end === USED_UP, out);
    }
    return { code: `${b}: {\n${out.join('\n')}\n}`, depth: f.depth, known };
  }

  /** The child's segments (Run.enter and Run.segment); returns FAILS, MATCHED or USED_UP (a wildcard took the rest). */
  private segments(c: CNode, verified: number, k: Known, f: Frame, b: string, out: string[], locals: Local[]): number {
    if (c.hosts !== null || c.fns !== null) this.usesRequest = true;
    let usedUp = false;
    for (let i = 0; i < c.segs.length; i++) {
      const seg = c.segs[i]!;
      if (usedUp) {
        // Only a wildcard can match the end of the path again, with nothing.
        if (seg.tag !== C.WILD) {
          out.push(`break ${b};`);
          return FAILS;
        }
        this.wild(seg, null, "''", b, out, locals);
        continue;
      }
      if (i < 31 && (verified & (1 << i)) !== 0) {
        if (k.full <= i) throw new Error('codegen: a verified segment must be known');
        continue;
      }
      switch (seg.tag) {
        case C.STATIC:
          if (!f.start(i, k, b, out)) return FAILS;
          out.push(`if (!(${f.literal(i, seg.text, k, 0)})) break ${b};`);
          f.matched(i, seg.codes.length, k, out);
          break;
        case C.PARAM:
          if (!f.end(i, k, b, out)) return FAILS;
          locals.push({ seg: i });
          break;
        case C.CHARS:
          if (!f.end(i, k, b, out)) return FAILS;
          out.push(`if (!chars(T, s${i}, e${i}, ${seg.hex}, ${seg.min}, ${seg.max})) break ${b};`);
          locals.push({ seg: i });
          break;
        case C.REGEX: {
          if (!f.end(i, k, b, out)) return FAILS;
          const v = this.name('v');
          out.push(`const ${v} = T.slice(s${i}, e${i});`, `if (!${this.constant(seg.regex)}.test(${v})) break ${b};`);
          locals.push({ v });
          break;
        }
        case C.COMB: {
          if (!f.end(i, k, b, out)) return FAILS;
          const m = this.name('m');
          out.push(
            `const ${m} = ${this.constant(seg.regex)}.exec(T.slice(s${i}, e${i}));`,
            `if (${m} === null) break ${b};`,
          );
          seg.names.forEach((_, g) => {
            const v = this.name('v');
            out.push(`const ${v} = ${m}.groups?.[${q(`__v${g}`)}] ?? '';`);
            locals.push({ v });
          });
          if (seg.wildMode !== null) {
            // The wildcard takes what the regex left of this segment, then the later segments.
            this.wild(seg, `T.slice(s${i} + ${m}[0].length, e${i})`, `rest(T, e${i}, L)`, b, out, locals);
            usedUp = true;
          }
          break;
        }
        case C.WILD:
          this.wild(seg, null, `rest(T, ${i === 0 ? 'p' : `e${i - 1}`}, L)`, b, out, locals);
          usedUp = true;
          break;
      }
    }
    return usedUp ? USED_UP : MATCHED;
  }

  /**
   * A wildcard over `left` (what a comb left of its segment) and the later segments
   * joined (`rest`). Raw segments hold no '/', so the pieces show as '/' in the value.
   */
  private wild(seg: CSeg, left: string | null, rest: string, b: string, out: string[], locals: Local[]): void {
    const v = this.name('v');
    if (left === null) {
      out.push(`const ${v} = ${rest};`);
    } else {
      const l = this.name('v');
      const r = this.name('v');
      out.push(
        `const ${l} = ${left};`,
        `const ${r} = ${rest};`,
        `const ${v} = ${l} === '' ? ${r} : ${r} === '' ? ${l} : ${l} + '/' + ${r};`,
      );
    }
    if (seg.wildMode === '*+') out.push(`if (${v} === '') break ${b};`);
    if (seg.wildMode === '*?') out.push(`if (${v}.indexOf('/') >= 0) break ${b};`);
    if (seg.wildRegex !== null) out.push(`if (!${this.constant(seg.wildRegex)}.test(${v})) break ${b};`);
    locals.push({ v });
  }

  /**
   * `c` passed its filters: its children, then its goal (Run.walk). A router whose
   * children are bare leaves (Run.leafOf) or that has none is answered right here;
   * otherwise its children are tried in a function of its own.
   */
  private afterEnter(
    c: CNode,
    k: Known,
    method: string | null,
    f: Frame,
    kept: readonly Kept[],
    locals: readonly Local[],
    usedUp: boolean,
    out: string[],
  ): void {
    const n = c.segs.length;
    if (c.leafMethods !== null || c.dispatch === null) {
      const ends = usedUp ? 'true' : f.endsAt(n, k);
      if (ends === '') return; // the path goes on: no leaf here, and no goal either
      const body: string[] = [];
      let found = false;
      if (c.leafMethods !== null) {
        const methods = c.leafMethods;
        for (let i = 0; i < methods.length && !found; i++) {
          const leaf = `return ${this.result(c.leafNodes[i]!, kept, locals)};`;
          if (method === null) body.push(`if (M === ${this.method(methods[i]!)}) ${leaf}`);
          else if (methods[i] === method) {
            body.push(leaf);
            found = true;
          }
        }
        if (!found && c.leafOther !== null) {
          body.push(`return ${this.result(c.leafOther, kept, locals)};`);
          found = true;
        }
      }
      if (!found) {
        body.push('E = true;');
        if (c.goal !== undefined) body.push(`return ${this.result(c, kept, locals)};`);
      }
      out.push(ends === 'true' ? body.join('\n') : `if (${ends}) {\n${body.join('\n')}\n}`);
      return;
    }
    const passed: Kept[] = [...kept];
    locals.forEach((local, j) => {
      const i = kept.length + j;
      if ('seg' in local) {
        out.push(`P[${i}] = s${local.seg}; Q[${i}] = e${local.seg};`);
        passed.push('pos');
      } else {
        out.push(`V[${i}] = ${local.v};`);
        passed.push('str');
      }
    });
    this.kept.set(c, passed);
    const from = usedUp ? 'L' : n === 0 ? 'p' : `e${n - 1}`;
    out.push(`{ const r = ${this.walk(c)}(T, L, ${from}); if (r !== null) return r; }`);
  }

  /** The function trying the children of `c`, then its goal, from position `p`. */
  private walk(c: CNode): string {
    const known = this.walks.get(c);
    if (known !== undefined) return known;
    const name = this.name('w');
    this.walks.set(c, name);
    const kept = this.kept.get(c)!;
    const children = this.dispatch(c.dispatch!, NOTHING_KNOWN, null, kept);
    // No child matched: the router's own goal answers if the path ends here (Run.ended).
    const tail = [`if (next(T, L, p) >= L) {`, 'E = true;'];
    if (c.goal !== undefined) tail.push(`return ${this.result(c, kept, [])};`);
    tail.push('}', 'return null;');
    const locals = declarations(children.depth, NOTHING_KNOWN);
    this.functions.push(`function ${name}(T, L, p) {\n${locals}\n${children.code}\n${tail.join('\n')}\n}`);
    return name;
  }

  /** The code of a dispatch (Run.select) followed by its candidates in order. */
  private dispatch(d: Dispatch, known: Known, method: string | null, kept: readonly Kept[]): Block {
    if (d.tag === C.LIST) {
      return this.list(
        d.items.map((c, i) => this.item(c, d.verified[i]!, known, method, kept)),
        known,
      );
    }
    if (d.tag === C.BY_METHOD) {
      const methods = [...d.byMethod!.keys()];
      const blocks = this.fit([
        ...[...d.byMethod!.values()].map((list, j) => this.dispatch(list, known, methods[j]!, kept)),
        this.dispatch(d.other!, known, method, kept),
      ]);
      const branches = methods.map((m, j) => `if (M === ${this.method(m)}) {\n${blocks[j]!.code}\n}`);
      const code = `${branches.join(' else ')} else {\n${blocks[methods.length]!.code}\n}`;
      return { code, depth: deepest(blocks), known };
    }
    // BY_SEGMENT: the literals of the segment's first char, then the others, and the
    // `ended` candidates when there is no such segment. Finding that there is none can
    // take finding earlier segments first; when one of those is missing too, less is
    // known (`early`), so that case gets its own copy of the `ended` code.
    const i = d.depth;
    const f = new Frame();
    const done = this.name('d');
    const last = this.name('n');
    const early = i > 0 && known.full < i ? this.name('n') : null;
    const k: Known = { ...known };
    const head: string[] = [];
    const exists = (early === null || f.end(i - 1, k, early, head)) && f.start(i, k, last, head);
    // Per first char, the literals' tests and the dispatches they continue with.
    const buckets: Bucket[] = [];
    const blocks: Block[] = [];
    if (exists) {
      d.byFirst.forEach((lits, slot) => {
        if (lits === null) return;
        const tests = lits.map((lit) => {
          const kk: Known = { ...k };
          const cond = f.literal(i, lit.key, kk, 1);
          const matched: string[] = [];
          f.matched(i, lit.codes.length, kk, matched);
          return { cond, matched, target: this.dispatch(lit.target, kk, method, kept) };
        });
        const fitted = this.fit(
          tests.map((t) => t.target),
          tests.reduce((n, t) => n + t.cond.length + 40, 0),
        );
        tests.forEach((t, j) => {
          t.target = fitted[j]!;
        });
        buckets.push(new Bucket(d.firstBase + slot, tests, k, Math.max(i + 1, deepest(fitted))));
      });
      blocks.push(...buckets.map((b) => b.inline(done)));
      blocks.push(this.dispatch(d.other!, k, method, kept));
    }
    const none = Math.min(known.none, i);
    const lastKnown: Known = early === null ? { ...known, none } : { full: i, start: false, none };
    blocks.push(this.dispatch(d.ended!, lastKnown, method, kept));
    if (early !== null) blocks.push(this.dispatch(d.ended!, { ...known, none }, method, kept));
    const fitted = this.fit(blocks, 0, (j) => {
      const bucket = buckets[j];
      return bucket === undefined ? null : this.outlineBucket(bucket, done);
    });
    const out = [...head];
    if (exists) {
      const cases = buckets.map((b, j) => `case ${b.first}:\n${fitted[j]!.code}\nbreak;`);
      out.push(`switch (T.charCodeAt(s${i})) {\n${cases.join('\n')}\n}`);
      out.push(fitted[buckets.length]!.code, `break ${done};`);
    }
    const depth = Math.max(f.depth, deepest(fitted));
    const onLast = fitted[buckets.length + (exists ? 1 : 0)]!.code;
    let code = `${last}: {\n${out.join('\n')}\n}\n${onLast}`;
    if (early !== null) code = `${early}: {\n${code}\nbreak ${done};\n}\n${fitted[fitted.length - 1]!.code}`;
    return { code: `${done}: {\n${code}\n}`, depth, known };
  }

  /**
   * A bucket in a function of its own: it returns false when none of its literals is
   * the segment, else what the dispatch of the literal found (null: nothing, and then
   * the dispatch step is over, as in Run.select, which takes one branch).
   */
  private outlineBucket(bucket: Bucket, done: string): Block {
    const name = this.name('c');
    const args = ['T', 'L', 'p', ...setLocals(bucket.known)];
    this.functions.push(
      `function ${name}(${args.join(', ')}) {\n${declarations(bucket.depth, bucket.known)}\n${bucket.code('return null;')}\nreturn false;\n}`,
    );
    const call = `{ const r = ${name}(${args.join(', ')}); if (r !== false) { if (r !== null) return r; break ${done}; } }`;
    return { code: call, depth: bucket.known.full + 1, known: bucket.known };
  }

  /** The candidates of a list in order; a long list is cut into functions of a few candidates each. */
  private list(items: Block[], known: Known): Block {
    if (size(items) > BUDGET) {
      const chunks: Block[] = [];
      let chunk: Block[] = [];
      const flush = () => {
        if (chunk.length > 0) chunks.push(this.outline({ code: joined(chunk), depth: deepest(chunk), known }));
        chunk = [];
      };
      for (const item of items) {
        if (chunk.length > 0 && size(chunk) + item.code.length > BUDGET / 2) flush();
        chunk.push(item);
      }
      flush();
      items = chunks;
    }
    return { code: joined(items), depth: deepest(items), known };
  }

  /**
   * Keeps a function small enough for V8 to optimize: while the blocks are too big
   * together, the biggest one becomes a function of its own.
   */
  private fit(blocks: Block[], around = 0, outline: (j: number) => Block | null = () => null): Block[] {
    const out = [...blocks];
    let total = around + size(out);
    while (total > BUDGET) {
      let big = 0;
      out.forEach((b, j) => {
        if (b.code.length > out[big]!.code.length) big = j;
      });
      // Calls cost more than small blocks of straight code: those stay, over budget.
      if (out[big]!.code.length < SMALL) break;
      const call = outline(big) ?? this.outline(out[big]!);
      total -= out[big]!.code.length - call.code.length;
      out[big] = call;
    }
    return out;
  }

  /**
   * Moves a block into a function of its own, given the frame's position and the s/e
   * locals set where the block starts; returns the call. The block falls through when
   * nothing matched, which becomes `return null`.
   */
  private outline(b: Block): Block {
    const name = this.name('t');
    const args = ['T', 'L', 'p', ...setLocals(b.known)];
    this.functions.push(
      `function ${name}(${args.join(', ')}) {\n${declarations(b.depth, b.known)}\n${b.code}\nreturn null;\n}`,
    );
    const code = `{ const r = ${name}(${args.join(', ')}); if (r !== null) return r; }`;
    return { code, depth: b.known.full + (b.known.start ? 1 : 0), known: b.known };
  }

  /**
   * The call building the RouteMatch for `leaf`, its params from the arrays (`kept`)
   * and from `locals`. Results are built by functions shared by the leaves with the same
   * param names (a literal with constant keys gives all params objects of those leaves
   * one shape): a path slice compiles to a good deal of code, which V8 then optimizes
   * once for all those leaves rather than at each place a leaf is found.
   */
  private result(leaf: CNode, kept: readonly Kept[], locals: readonly Local[]): string {
    const names = leaf.paramNames;
    if (names.length !== kept.length + locals.length) throw new Error('codegen: params out of step');
    const args: string[] = [this.node(leaf), 'T'];
    const kinds: Kept[] = [];
    names.forEach((_, i) => {
      const local = locals[i - kept.length];
      if (local === undefined) {
        kinds.push(kept[i]!);
        args.push(...(kept[i] === 'pos' ? [`P[${i}]`, `Q[${i}]`] : [`V[${i}]`]));
      } else if ('seg' in local) {
        kinds.push('pos');
        args.push(`s${local.seg}`, `e${local.seg}`);
      } else {
        kinds.push('str');
        args.push(local.v);
      }
    });
    return `${this.factory(names, kinds)}(${args.join(', ')})`;
  }

  /** The function building a RouteMatch for leaf `n` with these params, given as (start, end) or as strings. */
  private factory(names: readonly string[], kinds: readonly Kept[]): string {
    const key = JSON.stringify([names, kinds]);
    let name = this.factories.get(key);
    if (name !== undefined) return name;
    name = this.name('F');
    this.factories.set(key, name);
    const params: string[] = ['n', 'T'];
    // A name seen twice keeps its first position and takes the last value, like repeated assignment.
    const fields = new Map<string, string>();
    names.forEach((param, i) => {
      if (kinds[i] === 'pos') {
        params.push(`a${i}`, `b${i}`);
        fields.set(param, `T.slice(a${i}, b${i})`);
      } else {
        params.push(`v${i}`);
        fields.set(param, `v${i}`);
      }
    });
    const object = [...fields].map(([param, value]) => `${q(param)}: ${value}`).join(', ');
    this.functions.push(
      `function ${name}(${params.join(', ')}) { return { hoops: n.hoops, goal: n.goal, handlers: n.handlers, params: { ${object} }, route: n.route, bodyLimit: n.bodyLimit }; }`,
    );
    return name;
  }
  private readonly factories = new Map<string, string>();

  private node(n: CNode): string {
    return `N${this.nodes.id(n)}`;
  }

  private constant(value: unknown): string {
    return `C${this.consts.id(value)}`;
  }

  /**
   * The number standing for a method in the code (`M`): the match turns the request
   * method into it once, with one string switch, and the code compares small integers.
   * Comparing strings in many places would also make V8 speculate, at each place, on
   * whether method strings are internalized (literals are, parsed ones need not be)
   * and deoptimize the code when the other kind comes.
   */
  private method(method: string): number {
    let id = this.methods.get(method);
    if (id === undefined) {
      id = this.methods.size + 1;
      this.methods.set(method, id);
    }
    return id;
  }
  private readonly methods = new Map<string, number>();

  private name(prefix: string): string {
    return `${prefix}${this.names++}`;
  }
}

/** Objects the generated code refers to by index (`N3`, `C7`), each listed once. */
class Listed<T> {
  readonly values: T[] = [];
  private readonly ids = new Map<T, number>();

  id(value: T): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.push(value) - 1;
      this.ids.set(value, id);
    }
    return id;
  }
}

/**
 * Generated code for a part of a frame: it uses the s/e locals of the segments below
 * `depth`, and those in `known` are set when it starts.
 */
interface Block {
  readonly code: string;
  readonly depth: number;
  readonly known: Known;
}

/**
 * Source characters of one generated function, about. V8 does not optimize a function
 * beyond some bytecode size, and a function run unoptimized costs several times more.
 */
const BUDGET = 6000;
const SMALL = 400;

function size(blocks: readonly Block[]): number {
  let total = 0;
  for (const b of blocks) total += b.code.length;
  return total;
}

function deepest(blocks: readonly Block[]): number {
  let depth = 0;
  for (const b of blocks) depth = Math.max(depth, b.depth);
  return depth;
}

function joined(blocks: readonly Block[]): string {
  return blocks.map((b) => b.code).join('\n');
}

/** The s/e locals that `known` says are set, in order. */
function setLocals(known: Known): string[] {
  const names: string[] = [];
  for (let i = 0; i < known.full; i++) names.push(`s${i}`, `e${i}`);
  if (known.start) names.push(`s${known.full}`);
  return names;
}

/** `let` for the s/e locals below `depth` that are not set on entry (parameters). */
function declarations(depth: number, known: Known): string {
  const set = new Set(setLocals(known));
  const vars: string[] = [];
  for (let i = 0; i < depth; i++) {
    for (const v of [`s${i}`, `e${i}`]) if (!set.has(v)) vars.push(`${v} = 0`);
  }
  return vars.length > 0 ? `let ${vars.join(', ')};` : '';
}

/** The literals of a dispatch step that start with one char, and where each leads. */
class Bucket {
  constructor(
    readonly first: number,
    readonly tests: readonly { cond: string; matched: string[]; target: Block }[],
    /** What is known before the tests: the segment's start. */
    readonly known: Known,
    readonly depth: number,
  ) {}

  /** The tests; `exit` ends the step once a literal matched and its dispatch found nothing. */
  code(exit: string): string {
    return this.tests.map((t) => [`if (${t.cond}) {`, ...t.matched, t.target.code, exit, '}'].join('\n')).join('\n');
  }

  inline(done: string): Block {
    return { code: this.code(`break ${done};`), depth: this.depth, known: this.known };
  }
}

const FAILS = 0;
const MATCHED = 1;
const USED_UP = 2;

/** A JavaScript string literal. */
function q(text: string): string {
  return JSON.stringify(text);
}

function maxParams(node: CNode): number {
  let max = node.paramNames.length;
  for (const child of node.children) max = Math.max(max, maxParams(child));
  return max;
}
