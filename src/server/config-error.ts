import { VolleyError } from '../errors.js';

/** A Server built with nothing to serve on: no listener. */
export class ServerConfigError extends VolleyError {
  constructor(message: string) {
    super('VOLLEY_ERR_SERVER_CONFIG', message);
  }
}
