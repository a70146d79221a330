import type { SupervisorStatus } from '../cluster/primary/supervisor.js';

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)}M`;
}

/** `volley status` output: one row per worker. */
export function formatStatusTable(status: SupervisorStatus): string {
  const header = ['ID', 'PID', 'GEN', 'STATE', 'RESTARTS', 'REQUESTS', 'RSS', 'LAG(ms)'];
  const rows = status.workers.map((w) => [
    String(w.id),
    String(w.pid),
    String(w.generation),
    w.state,
    String(w.restarts),
    String(w.requests),
    mb(w.rssBytes),
    w.eventLoopLagMs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const p = status.primary;
  // A successor that failed to start (a failed reload or recycle) is shown under the worker that kept serving.
  const failures = status.workers.flatMap((w) =>
    w.lastFailure
      ? [
          `worker ${w.id}: generation ${w.lastFailure.generation} (pid ${w.lastFailure.pid}) failed to start at ` +
            `${w.lastFailure.at}; pid ${w.pid} kept serving: ${w.lastFailure.error}`,
        ]
      : [],
  );
  return [
    `primary pid ${p.pid}, volley ${p.version}, up ${Math.round(p.uptimeMs / 1000)}s, ${status.desiredWorkers} worker(s) wanted`,
    line(header),
    ...rows.map(line),
    ...failures,
  ].join('\n');
}
