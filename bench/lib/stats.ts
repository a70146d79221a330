/** Small statistics and formatting helpers. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Thousands-separated integer. */
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

export const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');

export const pct = (n: number, digits = 1) => (Number.isFinite(n) ? `${(n * 100).toFixed(digits)}%` : '—');

/** Relative spread (max - min) / median of a sample, as ±%. */
export function spread(xs: readonly number[]): string {
  if (xs.length < 2) return '—';
  const m = median(xs);
  return `±${((50 * (Math.max(...xs) - Math.min(...xs))) / m).toFixed(0)}%`;
}

/** A GitHub-flavoured markdown table; the first column is left-aligned, the rest right-aligned. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** `rec[key]`, created empty first if missing. */
export function entry<T>(rec: Record<string, T>, key: string, empty: () => T): T {
  let v = rec[key];
  if (v === undefined) {
    v = empty();
    rec[key] = v;
  }
  return v;
}

/**
 * Median over rounds of a's rate ÷ b's in the same round: robust to drift that slows every
 * server of a round alike (the machine's other load), which a ratio of medians is not.
 */
export function perRoundRatio<T>(a: readonly T[], b: readonly T[], rate: (run: T) => number): number {
  const n = Math.min(a.length, b.length);
  return median(Array.from({ length: n }, (_, i) => rate(a[i]!) / rate(b[i]!)));
}
