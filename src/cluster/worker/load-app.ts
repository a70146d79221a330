import { pathToFileURL } from 'node:url';
import { AppModuleError } from '../../errors.js';
import type { Service } from '../../http/service.js';
import type { Router } from '../../routing/index.js';

const TS_EXTENSIONS = /\.(ts|mts|cts|tsx)$/;

function isApp(value: unknown): value is Router | Service {
  // Duck-typed so an app built against another copy of volley still works.
  return typeof value === 'object' && value !== null && typeof (value as Router).compile === 'function';
}

/**
 * Imports the app module (`.js`, `.mjs`, or TypeScript through tsx's loader on Node 20) and
 * returns its default export, which must be a Router or a Service.
 */
export async function loadApp(path: string): Promise<Router | Service> {
  if (TS_EXTENSIONS.test(path)) {
    // tsx is an optional peer dependency (docs/serve.md): production apps are mostly .js.
    const tsx = await import('tsx/esm/api').catch((err: unknown) => {
      throw new AppModuleError(
        `${path} is TypeScript, which volley serve loads through tsx, and tsx is not installed: ` +
          'npm install tsx (or compile the app to .js)',
        err,
      );
    });
    tsx.register();
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    throw new AppModuleError(`cannot load app module ${path}: ${detail}`, err);
  }
  const app = mod.default;
  if (!isApp(app)) {
    const got = app === undefined ? 'no default export' : `a default export of type ${typeof app}`;
    throw new AppModuleError(`app module ${path} must default-export a Router or a Service; it has ${got}`);
  }
  return app;
}
