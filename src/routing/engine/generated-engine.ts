import type { Request } from '../types.js';
import type { FastMatch } from './codegen.js';
import type { Answer, Engine } from './engine.js';
import type { Run } from './lookup.js';

/**
 * The matcher generated for the tree (codegen.ts) as an Engine. The generated code only
 * handles paths without '%' (nearly all): in those a raw segment is its decoded value
 * and ends at the next '/'. A path with escapes has segments that must be decoded, which
 * the interpreted walk (`run`) does.
 */
export class GeneratedEngine implements Engine {
  private readonly fast: FastMatch;
  private readonly run: Run;

  constructor(fast: FastMatch, run: Run) {
    this.fast = fast;
    this.run = run;
  }

  match(method: string, path: string, req: Request | null): Answer {
    return path.indexOf('%') < 0 ? this.fast(method, path, req) : this.run.match(method, path, req);
  }
}
