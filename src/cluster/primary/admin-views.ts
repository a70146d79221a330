import { logsRoute } from './admin-logs.js';
import type { AdminServer } from './admin-server.js';
import { Dashboard } from './dashboard/dashboard.js';
import { LogBacklog } from './log-backlog.js';
import type { Supervisor } from './supervisor.js';

/**
 * What the admin endpoint shows besides /status and /metrics: the merged log's backlog and live
 * stream (GET /logs) and the web dashboard (GET /, GET /events, its uPlot files). Returns a
 * function that detaches them (called before the admin server closes).
 */
export function addAdminViews(
  admin: AdminServer,
  supervisor: Supervisor,
  options: { tokenRequired: boolean },
): () => void {
  const backlog = new LogBacklog();
  const offRecord = supervisor.log.onRecord((record) => backlog.push(record));
  admin.routes.set('/logs', logsRoute(backlog));
  const dashboard = new Dashboard(supervisor, backlog, options);
  for (const [path, route] of Object.entries(dashboard.routes())) admin.routes.set(path, route);
  return () => {
    dashboard.close();
    offRecord();
  };
}
