import { STATUS_CODES } from 'node:http';
import type { Response } from '../http/response.js';

/** One invalid field: where it was, its path inside that part ('' for the whole part), what is wrong. */
export interface ProblemFieldError {
  in: 'path' | 'query' | 'header' | 'body' | 'response';
  path: string;
  message: string;
}

/**
 * An RFC 9457 problem document with the `errors` extension: every problem found, not just
 * the first, so a client can mark all of its wrong fields at once.
 */
export interface ValidationProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: ProblemFieldError[];
}

export function sendValidationProblem(
  res: Response,
  status: number,
  detail: string,
  errors: ProblemFieldError[],
): void {
  const problem: ValidationProblem = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    errors,
  };
  res.status(status).text(JSON.stringify(problem), 'application/problem+json');
}
