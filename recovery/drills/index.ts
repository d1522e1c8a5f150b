/**
 * The disaster-recovery drills: `drill <scenario>|all [--json] [--keep]`. The recovery CLI
 * registers `node recovery/cli.js drill ...` by calling `runDrillCommand`; until then
 * `node recovery/drills/main.js` runs it. Exit 0 when every check of every drill passed,
 * 1 when any failed, 64 on a bad argument.
 */
import { parseArgs } from 'node:util';
import type { Drill } from './drill.js';
import { crashLoop } from './crash-loop.js';
import { dbCorruption } from './db-corruption.js';
import { engineHang } from './engine-hang.js';
import { exchangeOutage } from './exchange-outage.js';
import { flashCrash } from './flash-crash.js';
import { powerLoss } from './power-loss.js';
import { stateRollback } from './state-rollback.js';
import { drillText, jsonReport, scaleText, summaryText } from './report.js';
import { runDrills } from './run.js';

export type { Drill, DrillResult, Check } from './drill.js';
export { runDrill, runDrills } from './run.js';

/** Every drill, in the order `all` runs them. */
export const DRILLS: readonly Drill[] = [dbCorruption, exchangeOutage, engineHang, flashCrash, crashLoop, powerLoss, stateRollback];

export const DRILL_USAGE = `usage: drill <scenario>|all [--json] [--keep]
  scenarios: ${DRILLS.map((d) => d.name).join(', ')}
  --json   one JSON document on stdout (the table and progress go to stderr)
  --keep   keep every drill's directory (a failed drill's is always kept)`;

export interface DrillIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Parses `args`, runs the drills asked for, prints the report; resolves with the exit code. */
export async function runDrillCommand(args: readonly string[], io: DrillIo): Promise<number> {
  let names: string[];
  let values: { json?: boolean; keep?: boolean; help?: boolean };
  try {
    const parsed = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: 'boolean' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    values = parsed.values;
    names = parsed.positionals;
  } catch (err) {
    io.stderr.write(`drill: ${(err as Error).message}\n${DRILL_USAGE}\n`);
    return 64;
  }
  if (values.help) {
    io.stdout.write(`${DRILL_USAGE}\n`);
    return 0;
  }
  const unknown = names.filter((n) => n !== 'all' && !DRILLS.some((d) => d.name === n));
  if (names.length === 0 || unknown.length > 0) {
    io.stderr.write(`drill: ${names.length === 0 ? 'name a scenario or all' : `unknown scenario ${unknown.join(', ')}`}\n${DRILL_USAGE}\n`);
    return 64;
  }
  const chosen = names.includes('all') ? DRILLS : DRILLS.filter((d) => names.includes(d.name));
  // With --json stdout holds the document only; people still see progress on stderr.
  const human = values.json ? io.stderr : io.stdout;
  human.write(`${scaleText()}\n\n`);
  const started = Date.now();
  const results = await runDrills(chosen, { keepDirs: values.keep === true, onResult: (r) => human.write(`${drillText(r)}\n\n`) });
  const total = Date.now() - started;
  human.write(`${summaryText(results, total)}\n`);
  if (values.json) io.stdout.write(`${jsonReport(results, total)}\n`);
  return results.every((r) => r.pass) ? 0 : 1;
}
