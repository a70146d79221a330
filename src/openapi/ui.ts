import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';
import { StatusError } from '../http/status-error.js';
import { Router } from '../routing/router.js';
import { MissingPackageError } from './errors.js';

const requireHere = createRequire(import.meta.url);

/**
 * A file of an installed package. Resolved from Volley's own location first, then from the
 * app's working directory (a package installed by the app but not hoisted next to Volley).
 */
export function resolveAsset(specifier: string, packageName: string, feature: string): string {
  for (const from of [requireHere, createRequire(join(process.cwd(), 'package.json'))]) {
    try {
      return from.resolve(specifier);
    } catch {
      // try the next place
    }
  }
  throw new MissingPackageError(packageName, feature);
}

/** JSON in a <script>: `</script>` and friends cannot end the element early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Where the page's assets are: below the page itself, whatever prefix the router is mounted at. */
function assetBase(req: Request): string {
  return `${req.path.replace(/\/+$/, '')}/`;
}

/**
 * A documentation page plus the package files it loads, served from node_modules (no CDN):
 * the page at `path`, the files at `path/<name>`, only the listed ones.
 */
function uiRouter(path: string, page: (base: string) => string, files: Record<string, string>): Router {
  const serve: Handler = async (req, res) => {
    const file = files[req.param('file') ?? ''];
    if (file === undefined) throw StatusError.notFound(`no such file: ${req.param('file')}`);
    await res.sendFile(file);
  };
  return new Router(path)
    .get((req, res) => {
      res.header('cache-control', 'no-cache').html(page(assetBase(req)));
    })
    .push(new Router('{file}').get(serve));
}

export interface DocsUiOptions {
  /** The page's <title>. Default 'API documentation'. */
  title?: string;
  /** Given to the UI's own initialiser as it is. */
  config?: Record<string, unknown>;
}

/** What both documentation pages hold: the document's URL and the page options. */
abstract class DocsUi {
  protected readonly specUrl: string;
  protected readonly options: DocsUiOptions;

  constructor(specUrl: string, options: DocsUiOptions = {}) {
    this.specUrl = specUrl;
    this.options = options;
  }

  /** The page's <title>, escaped for HTML. */
  protected get title(): string {
    return escapeHtml(this.options.title ?? 'API documentation');
  }

  abstract intoRouter(path: string): Router;
}

/**
 * Swagger UI for an OpenAPI document, from the `swagger-ui-dist` package (an optional peer
 * dependency: `npm install swagger-ui-dist`). `new SwaggerUi('/openapi.json').intoRouter('docs')`.
 */
export class SwaggerUi extends DocsUi {
  // `config` goes to `SwaggerUIBundle` as it is (e.g. `{ docExpansion: 'none' }`).

  /** Throws MissingPackageError when swagger-ui-dist is not installed. */
  intoRouter(path: string): Router {
    const dir = dirname(resolveAsset('swagger-ui-dist/package.json', 'swagger-ui-dist', 'SwaggerUi'));
    const files = {
      'swagger-ui.css': join(dir, 'swagger-ui.css'),
      'swagger-ui-bundle.js': join(dir, 'swagger-ui-bundle.js'),
      'favicon-32x32.png': join(dir, 'favicon-32x32.png'),
    };
    const title = this.title;
    const config = { url: this.specUrl, dom_id: '#swagger-ui', deepLinking: true, ...this.options.config };
    return uiRouter(
      path,
      (base) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" type="image/png" href="${escapeHtml(base)}favicon-32x32.png">
<link rel="stylesheet" href="${escapeHtml(base)}swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${escapeHtml(base)}swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle(${scriptJson(config)});</script>
</body>
</html>
`,
      files,
    );
  }
}

/**
 * Scalar's API reference for an OpenAPI document, from the `@scalar/api-reference` package
 * (an optional peer dependency). Its default web fonts come from Scalar's CDN, so they are
 * off: the page loads nothing but this server's files.
 */
export class Scalar extends DocsUi {
  // `config` goes to `Scalar.createApiReference` as it is (e.g. `{ theme: 'moon' }`).

  /** Throws MissingPackageError when @scalar/api-reference is not installed. */
  intoRouter(path: string): Router {
    const script = resolveAsset('@scalar/api-reference/browser/standalone.js', '@scalar/api-reference', 'Scalar');
    const title = this.title;
    // Scalar's AI agent panel, on by default for a page served from localhost, fetches from
    // api.scalar.com (through proxy.scalar.com): it is off too.
    const config = { url: this.specUrl, withDefaultFonts: false, agent: { disabled: true }, ...this.options.config };
    return uiRouter(
      path,
      (base) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body>
<div id="app"></div>
<script src="${escapeHtml(base)}standalone.js"></script>
<script>Scalar.createApiReference('#app', ${scriptJson(config)});</script>
</body>
</html>
`,
      { 'standalone.js': script },
    );
  }
}
