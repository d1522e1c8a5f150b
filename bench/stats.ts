/** Small helpers every benchmark shares: percentiles and one table format. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export interface BenchRow {
  bench: string;
  figure: string;
  value: string;
  baseline: string;
  baselineValue: string;
  ratio: string;
}

export function ratio(value: number, baseline: number): string {
  return Number.isFinite(value / baseline) ? `${(value / baseline).toFixed(2)}x` : 'n/a';
}

export function formatTable(rows: readonly BenchRow[]): string {
  const head: BenchRow = { bench: 'bench', figure: 'figure', value: 'value', baseline: 'baseline (same run)', baselineValue: 'baseline value', ratio: 'ratio' };
  const all = [head, ...rows];
  const keys = Object.keys(head) as Array<keyof BenchRow>;
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: BenchRow): string => `| ${keys.map((k, i) => r[k].padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
