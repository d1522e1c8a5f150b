import { summarize, type HealthReport } from '../../supervisor/health-log.js';
import type { RecoveryCommand } from '../command.js';
import { sendAndPrint } from '../online.js';

/** The bot writes logs/health_log.json; the terminal gets the one-line summary SIGUSR1 logs, and the incidents. */
function describe(result: unknown): string {
  const report = result as HealthReport;
  const incidents = report.incidents.map((i) => `  ${JSON.stringify(i)}`);
  return [summarize(report), ...(incidents.length ? ['incidents:', ...incidents] : []), '(written to logs/health_log.json; --json for all of it)'].join('\n');
}

export const health: RecoveryCommand = {
  name: 'health',
  summary: 'write logs/health_log.json now (as SIGUSR1 does) and print its summary',
  usage: 'usage: node recovery/cli.js health [options]',
  options: {},
  mode: 'online',
  run: (ctx) => sendAndPrint(ctx, { command: 'health' }, describe),
};
