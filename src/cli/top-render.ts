/**
 * The screen of `volley top`, as a pure function of what it knows (no I/O, no ANSI codes):
 * a header, a sparkline of total requests/s, and one row per worker, fitted to the terminal.
 * The STEER column shows load-aware steering: `away` while new connections go to the other
 * workers, `stalled` while the worker is stalled but kept (no other worker had room: they all
 * had connections waiting, or were stalled too), and `N↷`, the
 * connections rescued from its queue.
 */
import type { SteeringSnapshot } from '../cluster/primary/steering/load-steering.js';
import type { SupervisorStatus } from '../cluster/primary/supervisor.js';
import type { QuantileBucket, WorkerRow } from './top-stats.js';

export interface TopView {
  /** The admin address top is watching. */
  admin: string;
  status: SupervisorStatus;
  rows: WorkerRow[];
  totalRps: number | undefined;
  totalP99: QuantileBucket | undefined;
  /** Total requests/s of the last refreshes, oldest first. */
  history: number[];
  intervalMs: number;
  /** Set while the admin endpoint does not answer; the rest is the last good sample. */
  error?: string;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** One block character per value, scaled so the largest value is a full block. */
export function sparkline(values: number[], width = values.length): string {
  const shown = width <= 0 ? [] : values.slice(-width);
  const max = Math.max(0, ...shown);
  return shown
    .map((v) => {
      if (!(max > 0) || !(v > 0)) return SPARKS[0];
      return SPARKS[Math.min(SPARKS.length - 1, Math.max(0, Math.ceil((v / max) * SPARKS.length) - 1))];
    })
    .join('');
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

export function formatRate(rps: number | undefined): string {
  if (rps === undefined) return '-';
  return rps < 10 ? rps.toFixed(1) : String(Math.round(rps));
}

function seconds(s: number): string {
  if (s < 1) {
    const ms = s * 1000;
    return `${Number(ms.toPrecision(3))}ms`;
  }
  return `${Number(s.toPrecision(3))}s`;
}

/** `≤25ms` (the p99 is at most the bucket's bound), `>10s` (the overflow bucket) or `-`. */
export function formatQuantile(q: QuantileBucket | undefined): string {
  if (!q) return '-';
  return q.overflow ? `>${seconds(q.bound)}` : `≤${seconds(q.bound)}`;
}

export function formatBytes(bytes: number): string {
  const mb = bytes / 1048576;
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)}G` : `${mb.toFixed(1)}M`;
}

interface Column {
  title: string;
  /** Lower is dropped first when the terminal is too narrow. */
  keep: number;
  right: boolean;
  cell: (row: WorkerRow, steering: SteeringSnapshot | undefined) => string;
}

/** A slot's load-aware steering state: `away` (new connections go elsewhere), `stalled` (kept: no other slot had room), or `-`. */
function steerCell(row: WorkerRow, steering: SteeringSnapshot | undefined): string {
  const s = steering?.slots[row.id];
  if (!s) return '-';
  const state = s.excluded ? 'away' : s.stalled ? 'stalled' : '-';
  return s.rescued > 0 ? `${state} ${s.rescued}↷` : state;
}

const COLUMNS: Column[] = [
  { title: 'ID', keep: 9, right: true, cell: (r) => String(r.id) },
  { title: 'PID', keep: 8, right: true, cell: (r) => String(r.pid) },
  { title: 'GEN', keep: 2, right: true, cell: (r) => String(r.generation) },
  { title: 'STATE', keep: 5, right: false, cell: (r) => r.state },
  { title: 'REQ/S', keep: 7, right: true, cell: (r) => formatRate(r.rps) },
  { title: 'P99', keep: 6, right: true, cell: (r) => formatQuantile(r.p99) },
  { title: 'RSS', keep: 4, right: true, cell: (r) => formatBytes(r.rssBytes) },
  { title: 'LAG(ms)', keep: 3, right: true, cell: (r) => r.eventLoopLagMs.toFixed(1) },
  { title: 'RESTARTS', keep: 1, right: true, cell: (r) => String(r.restarts) },
  { title: 'STEER', keep: 2, right: false, cell: steerCell },
];

const GAP = '  ';

function table(rows: WorkerRow[], width: number, steering: SteeringSnapshot | undefined): string[] {
  const all = COLUMNS.map((c) => {
    const cells = rows.map((r) => c.cell(r, steering));
    return { ...c, cells, width: Math.max(c.title.length, ...cells.map((x) => x.length)) };
  });
  const shown = [...all];
  const total = () => shown.reduce((n, c) => n + c.width, 0) + GAP.length * (shown.length - 1);
  while (shown.length > 1 && total() > width) {
    const least = shown.reduce((a, b) => (b.keep < a.keep ? b : a));
    shown.splice(shown.indexOf(least), 1);
  }
  const line = (pick: (c: (typeof all)[number]) => string) =>
    shown
      .map((c) => (c.right ? pick(c).padStart(c.width) : pick(c).padEnd(c.width)))
      .join(GAP)
      .trimEnd();
  return [line((c) => c.title), ...rows.map((_, i) => line((c) => c.cells[i]!))];
}

/** `  steering rescue: 1 away, 12 rescued` for the header (nothing from a primary that does not report it). */
function steeringSummary(steering: SteeringSnapshot | undefined): string {
  if (!steering) return '';
  if (steering.mode === 'off') return '  steering off';
  const rescued = Object.values(steering.slots).reduce((n, s) => n + s.rescued, 0);
  return `  steering ${steering.mode}: ${steering.excluded.length} away, ${rescued} rescued`;
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Renders one screen of `volley top`. `width` and `height` are the terminal's columns and
 * rows; every line is at most `width` characters, and there are at most `height` lines (worker
 * rows that do not fit are summarised in one line).
 */
export function renderTop(view: TopView, width = 80, height = Number.POSITIVE_INFINITY): string {
  width = Math.max(20, Math.floor(width));
  const { status } = view;
  const p = status.primary;
  const ready = status.workers.filter((w) => w.state === 'ready').length;
  const lines: string[] = [];
  lines.push(
    `volley top  ${view.admin}  primary pid ${p.pid}  volley ${p.version}  up ${formatDuration(p.uptimeMs)}  ` +
      `workers ${ready} ready / ${status.desiredWorkers} desired`,
  );
  lines.push(
    `total ${formatRate(view.totalRps)} req/s  p99 ${formatQuantile(view.totalP99)}${steeringSummary(status.steering)}`,
  );
  const label = 'req/s ';
  const room = Math.max(0, width - label.length);
  lines.push(label + sparkline(view.history, room));
  lines.push('');
  const rows = table(view.rows, width, status.steering);
  const footer: string[] = [];
  if (view.error) footer.push(`! ${view.error}`);
  footer.push(`refresh ${view.intervalMs / 1000}s  q quit`);
  const space = height - lines.length - footer.length - 1; // - the blank line above the footer
  if (rows.length > space && space >= 2) {
    const hidden = rows.length - (space - 1);
    rows.splice(space - 1, rows.length, `… ${hidden} more worker(s)`);
  }
  lines.push(...rows, '', ...footer);
  return lines
    .slice(0, Number.isFinite(height) ? Math.max(1, height) : undefined)
    .map((l) => fit(l, width))
    .join('\n');
}
