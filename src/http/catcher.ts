import Negotiator from 'negotiator';
import { Depot } from './depot.js';
import { FlowCtrl } from './flow-ctrl.js';
import type { Handler } from './handler.js';
import type { Request } from './request.js';
import type { Response } from './response.js';
import { StatusError } from './status-error.js';

export interface CatcherOptions {
  /** Answer JSON clients with RFC 9457 application/problem+json instead of Volley's JSON shape. */
  problemJson?: boolean;
}

const OFFERS = ['text/plain', 'application/json', 'application/problem+json', 'text/html'];

function logCatcherError(err: unknown): void {
  console.error('volley: a Catcher hoop threw:', err);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders error responses (4xx/5xx without a body), as Salvo's Catcher does. Its hoops run
 * first and may write a custom page; whatever they leave unwritten gets the default page,
 * negotiated on Accept: HTML, JSON (or problem+json), or plain text (no Accept or any type).
 */
export class Catcher {
  readonly #hoops: Handler[] = [];
  readonly #problemJson: boolean;

  constructor(options: CatcherOptions = {}) {
    this.#problemJson = options.problemJson ?? false;
  }

  /** Adds a handler that may render a custom error page (check `res.statusCode`). */
  hoop(handler: Handler): this {
    this.#hoops.push(handler);
    return this;
  }

  /**
   * @internal Renders the error response; returns a promise only when a hoop was async.
   * An error thrown by a hoop goes to `logError` and the default page is rendered.
   */
  catch(
    req: Request,
    res: Response,
    depot: Depot = new Depot(),
    logError: (err: unknown, req: Request) => void = logCatcherError,
  ): undefined | Promise<void> {
    if (this.#hoops.length === 0) {
      this.#renderDefault(req, res);
      return undefined;
    }
    const ctrl = new FlowCtrl(this.#hoops, req, res, depot, (err) => logError(err, req));
    const pending = ctrl.run();
    if (pending) return pending.then(() => this.#renderDefault(req, res));
    this.#renderDefault(req, res);
    return undefined;
  }

  #renderDefault(req: Request, res: Response): void {
    if (res.hasBody) return;
    const status = res.statusCode ?? 500;
    const error = res.error ?? new StatusError(status >= 400 && status <= 599 ? status : 500);
    const accept = req.header('accept');
    const type = accept ? (new Negotiator({ headers: { accept } }).mediaType(OFFERS) ?? 'text/plain') : 'text/plain';
    const detail = error.detail;
    if (type === 'text/html') {
      const title = `${status} ${escapeHtml(error.brief)}`;
      const more = detail ? `<p>${escapeHtml(detail)}</p>` : '';
      res.html(
        `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
          `<body><h1>${title}</h1>${more}<hr><small>volley</small></body></html>`,
      );
    } else if (type === 'application/problem+json' || (type === 'application/json' && this.#problemJson)) {
      const problem: Record<string, unknown> = { type: 'about:blank', title: error.brief, status };
      if (detail) problem.detail = detail;
      res.text(JSON.stringify(problem), 'application/problem+json');
    } else if (type === 'application/json') {
      res.json({ error: { code: status, name: error.brief, ...(detail ? { detail } : {}) } });
    } else {
      res.text(detail ? `${status} ${error.brief}: ${detail}` : `${status} ${error.brief}`);
    }
  }
}
