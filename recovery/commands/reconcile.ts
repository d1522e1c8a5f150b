/**
 * `reconcile`: the running bot reconciles now (control socket `reconcile-now`).
 * `reconcile --dry-run`: the bot stopped, what reconciliation would change against the
 * configured exchange, printed; nothing is written, placed or cancelled.
 */
import { ConfigError } from '../../shared/errors.js';
import type { CommandContext, RecoveryCommand } from '../command.js';
import { RecoveryExit } from '../exit-codes.js';
import type { ReconcileReport } from '../../workers/engine/reconciler.js';
import { sendAndPrint } from '../online.js';

function describeReport(result: unknown): string {
  const r = result as ReconcileReport;
  return [
    `reconciled (${r.reason}): ${r.discrepancies.length} discrepancies, ${r.fillsJournaled} fills journaled, ${r.stopsPlaced} stops placed, ${r.ordersCancelled} orders cancelled`,
    ...r.discrepancies.map((d) => `  ${d}`),
  ].join('\n');
}

async function dryRun(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  if (config.exchange.apiUrl === null && !config.live) {
    // resolveEndpoint would start a fresh embedded simulator: there is nothing real to compare with.
    throw new ConfigError('exchange.apiUrl', null, 'is not set and --live is not given: the embedded simulator lives only inside a running bot, so there is no exchange to compare with');
  }
  // Loaded here, not at the top: ccxt alone takes half a second to load, and every other command would pay it.
  const { resolveEndpoint } = await import('../../supervisor/exchange-endpoint.js');
  const { createExchangeClient } = await import('../../workers/market-data/exchange-client.js');
  const { previewReconcile } = await import('../reconcile-preview.js');
  const { endpoint } = await resolveEndpoint(config, process.env, ctx.log);
  const exchange = createExchangeClient({
    ...(endpoint.apiUrl ? { apiUrl: endpoint.apiUrl } : {}),
    apiKey: endpoint.apiKey,
    secret: endpoint.secret,
    timeoutMs: config.exchange.timeoutMs,
    sandbox: config.exchange.sandbox,
  });
  let preview;
  try {
    preview = await previewReconcile(config, exchange, ctx.log);
  } catch (err) {
    // An exchange failure is classified as the market-data worker classifies it (faults.ts); anything else is a bug.
    const { default: ccxt } = await import('ccxt');
    if (!(err instanceof ccxt.BaseError)) throw err;
    const { ExchangeCallError, classify } = await import('../../workers/market-data/faults.js');
    throw new ExchangeCallError(`reconcile --dry-run against ${endpoint.description}`, classify(err), err);
  }
  ctx.result({ ok: preview.changes.length === 0, dryRun: true, exchange: endpoint.description, ...preview }, () =>
    [
      `dry run against ${endpoint.description}: status.csv row of ${preview.statusRow ?? '(none)'}, ${preview.journaledFills} journaled fills, exchange trades since ${preview.since === null ? 'the start' : new Date(preview.since).toISOString()}`,
      ...(preview.changes.length ? preview.changes.map((c) => `  ${c}`) : ['  nothing to change: the files and the exchange agree']),
      'nothing was changed (dry run)',
    ].join('\n'),
  );
  return preview.changes.length === 0 ? RecoveryExit.OK : RecoveryExit.FAILED;
}

export const reconcile: RecoveryCommand = {
  name: 'reconcile',
  summary: 'reconcile with the exchange now (online); --dry-run: what it would change (offline)',
  usage: `usage: node recovery/cli.js reconcile [--dry-run [--live]] [options]
  --dry-run        the bot stopped: print what reconciliation would change against exchange.apiUrl
                   (or Binance with --live and keys from the environment); changes nothing.
                   exit 0: nothing to change; 1: differences listed; 71: exchange unreachable
  --live           with --dry-run: compare with Binance itself (keys as the bot reads them)`,
  options: { 'dry-run': { type: 'boolean' }, live: { type: 'boolean' } },
  configFlags: ['live'],
  mode: (values) => (values['dry-run'] === true ? 'offline' : 'online'),
  run: (ctx) => (ctx.values['dry-run'] === true ? dryRun(ctx) : sendAndPrint(ctx, { command: 'reconcile-now' }, describeReport)),
};
