import { VolleyError } from '../../errors.js';

/** The supervisor could not start (bad address, port in use, app failed to start). */
export class StartupError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_STARTUP', message, { cause });
  }
}

/** A rolling reload or scale request that could not be carried out. */
export class OperationError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_OPERATION', message, { cause });
  }
}

/** A TCP listen address another socket already listens on (`volley serve` without --join-port). */
export class PortInUseError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_PORT_IN_USE', message, { cause });
  }
}

/** An upgrade of the primary whose successor failed to start or to become ready (the old one keeps serving). */
export class UpgradeError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_UPGRADE', message, { cause });
  }
}
