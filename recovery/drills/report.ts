/** The drills' output: a table for an operator, the checks of each drill, JSON for machines. */
import type { DrillResult } from './drill.js';
import { scaleLines } from './scale.js';

const seconds = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
const count = (n: number | null): string => (n === null ? '-' : String(n));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function scaleText(): string {
  return ['Thresholds scaled down for the drills:', ...scaleLines().map((l) => `  ${l}`)].join('\n');
}

/** One drill's checks, as it finishes. */
export function drillText(r: DrillResult): string {
  const lines = [`${r.pass ? 'PASS' : 'FAIL'} ${r.drill} (${seconds(r.runtimeMs)}): ${r.fault}`];
  if (r.scale) lines.push(`  scale for this drill: ${r.scale}`);
  for (const c of r.checks) lines.push(`  [${c.pass ? 'ok' : 'FAILED'}] ${c.name}: ${c.detail}`);
  if (r.detectMs !== null) lines.push(`  time to detect ${seconds(r.detectMs)}: ${r.detectFrom}`);
  if (r.recoverMs !== null) lines.push(`  time to recover ${seconds(r.recoverMs)}: ${r.recoverFrom}`);
  if (r.error) lines.push(`  ERROR: ${r.error.split('\n').slice(0, 8).join('\n  ')}`);
  if (r.dir) lines.push(`  files kept in ${r.dir}`);
  return lines.join('\n');
}

export function summaryText(results: readonly DrillResult[], totalMs: number): string {
  const rows = results.map((r) => [r.drill, r.pass ? 'pass' : 'FAIL', seconds(r.detectMs), seconds(r.recoverMs), count(r.ordersLost), count(r.duplicatedOrders), count(r.fillsLost), seconds(r.runtimeMs)]);
  const failed = results.filter((r) => !r.pass).length;
  return [
    table(['drill', 'result', 'time to detect', 'time to recover', 'orders lost', 'duplicated orders', 'fills lost', 'runtime'], rows),
    `${results.length - failed}/${results.length} drills passed in ${seconds(totalMs)}`,
  ].join('\n');
}

export function jsonReport(results: readonly DrillResult[], totalMs: number): string {
  return JSON.stringify({ pass: results.every((r) => r.pass), totalMs, scale: scaleLines(), drills: results }, null, 2);
}
