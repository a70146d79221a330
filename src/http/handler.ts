import type { Depot } from './depot.js';
import type { FlowCtrl } from './flow-ctrl.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

/**
 * One type for hoops (middleware), goals and catchers, as in Salvo: a function of the
 * request, the response, the request-scoped Depot and the FlowCtrl. A goal's return value
 * is rendered when it wrote nothing (string: text/plain, bytes: octet-stream, else JSON).
 */
export type Handler = (req: Request, res: Response, depot: Depot, ctrl: FlowCtrl) => unknown;
