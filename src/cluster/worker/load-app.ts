import { pathToFileURL } from 'node:url';
import { AppModuleError } from '../../errors.js';

const TS_EXTENSIONS = /\.(ts|mts|cts|tsx)$/;

/** What an app module gave: its default export (or `module.exports`) and all its exports. */
export interface LoadedModule {
  path: string;
  /** The default export of an ES module, `module.exports` of a CommonJS one. */
  value: unknown;
  /** Every export by name (an ES module's namespace; a CommonJS module's detected names). */
  exports: Record<string, unknown>;
}

/**
 * Imports the app module, whatever its format: `.js/.mjs/.cjs` as Node loads them, TypeScript
 * (`.ts/.mts/.cts/.tsx`) through tsx, in a package of either `type`. tsx's CommonJS hook is
 * registered beside its ESM one: a `.ts` file of a CommonJS package is loaded by Node's
 * CommonJS loader, which without it would see `import` syntax, load the file as an ES module
 * from inside its own import, and fail with ERR_REQUIRE_CYCLE_MODULE.
 */
export async function loadAppModule(path: string): Promise<LoadedModule> {
  if (TS_EXTENSIONS.test(path)) {
    // tsx is a dependency, so TypeScript works out of the box; a pruned install gets told what to do.
    const [{ register: registerEsm }, { register: registerCjs }] = await Promise.all([
      import('tsx/esm/api'),
      import('tsx/cjs/api'),
    ]).catch((err: unknown) => {
      throw new AppModuleError(
        `${path} is TypeScript, which volley serve loads through tsx, and tsx cannot be loaded: ` +
          'npm install tsx (or compile the app to .js)',
        err,
      );
    });
    registerEsm();
    registerCjs();
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppModuleError(`cannot load app module ${path}: ${describeLoadError(err)}`, err);
  }
  let value = namespace.default;
  const exports = { ...namespace };
  delete exports.default;
  // A CommonJS module compiled from ES syntax (tsx, tsc, Babel) keeps its default export as
  // `exports.default` beside `__esModule`; what the author exported is that.
  if (isObject(value) && (value as { __esModule?: unknown }).__esModule === true) {
    const compiled = value as Record<string, unknown>;
    value = compiled.default;
    for (const [k, v] of Object.entries(compiled)) if (k !== 'default' && k !== '__esModule') exports[k] = v;
  }
  return { path, value, exports };
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/**
 * What went wrong, in a line or two: the error's first line and, when the error came from the
 * app's own code, where in it (the first stack frame outside node_modules and Node itself).
 */
function describeLoadError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split('\n')[0]!;
  const frame = (err.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .find((l) => l.startsWith('at ') && !l.includes('node:') && !l.includes('/node_modules/'));
  const code = (err as { code?: string }).code;
  const where = frame ? `\n    ${frame}` : '';
  const hint =
    code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' ? ' (is it installed? run npm install)' : '';
  return `${err.name === 'Error' ? '' : `${err.name}: `}${first}${hint}${where}`;
}
