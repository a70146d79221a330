import { logsRoute } from './admin-logs.js';
import type { AdminServer } from './admin-server.js';
import { LogBacklog } from './log-backlog.js';
import type { Supervisor } from './supervisor.js';

/**
 * What the admin endpoint shows besides /status and /metrics: the merged log's backlog and
 * live stream (GET /logs). Returns a function that detaches them.
 */
export function addAdminViews(admin: AdminServer, supervisor: Supervisor): () => void {
  const backlog = new LogBacklog();
  const offRecord = supervisor.log.onRecord((record) => backlog.push(record));
  admin.routes.set('/logs', logsRoute(backlog));
  return () => {
    offRecord();
  };
}
