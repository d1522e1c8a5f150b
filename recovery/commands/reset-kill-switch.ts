/**
 * The runbook's reset_daily_losses(). Online: the running engine resets its kill switch and
 * persists the new state itself. Offline (`--offline`, the bot stopped): a status.csv row
 * equal to the last valid one, with the switch re-armed and the reset recorded, appended
 * with the persistence layer's StatusFile (fsync'd), so the next start comes up armed.
 */
import { storePaths, loadLastValidStatus, StatusFile, type StatusSnapshot } from '../../workers/persistence/index.js';
import { utcDay } from '../../workers/engine/kill-switch.js';
import { requireString, type CommandContext, type RecoveryCommand } from '../command.js';
import { CliExit, RecoveryExit } from '../exit-codes.js';
import { sendAndPrint } from '../online.js';

/** The kill switch as the engine's `resetDailyLosses` leaves it: armed, counters cleared, the day restarted. */
export function rearmed(last: StatusSnapshot, by: string, reason: string, now: number): StatusSnapshot {
  return {
    ...last,
    time: now,
    killSwitch: {
      ...last.killSwitch,
      tripped: false,
      reason: null,
      trippedAt: null,
      day: utcDay(now),
      dayStartEquity: last.equity,
      realisedLoss: { today: 0 },
      lastReset: { by, reason, at: now },
    },
  };
}

async function offline(ctx: CommandContext, reason: string): Promise<number> {
  const path = storePaths(ctx.config.dataDir).status;
  const last = await loadLastValidStatus(path, ctx.log);
  if (last === null) throw new CliExit(RecoveryExit.NO_INPUT, `${path} holds no valid row: there is no kill switch state to reset (a start without one comes up armed)`);
  const row = rearmed(last, ctx.by, reason, Date.now());
  const file = await StatusFile.open(path, ctx.log);
  let seq: number;
  try {
    seq = await file.appendStatus(row);
  } finally {
    await file.close();
  }
  ctx.audit(`reset-kill-switch --offline by ${ctx.by}: ${reason}; status.csv row ${seq} appended (was ${last.killSwitch.tripped ? `TRIPPED: ${last.killSwitch.reason}` : 'armed'})`, {
    by: ctx.by,
    reason,
    seq,
  });
  ctx.result({ ok: true, seq, was: last.killSwitch, now: row.killSwitch }, () =>
    `kill switch re-armed in ${path} (row ${seq}); it was ${last.killSwitch.tripped ? `tripped: ${last.killSwitch.reason}` : 'not tripped'}. The next start comes up armed.`,
  );
  return RecoveryExit.OK;
}

export const resetKillSwitch: RecoveryCommand = {
  name: 'reset-kill-switch',
  summary: 'reset_daily_losses(): re-arm a tripped kill switch (online, or --offline into status.csv)',
  usage: `usage: node recovery/cli.js reset-kill-switch --reason "TEXT" [--offline] [options]
  --reason TEXT    why (required; logged with --by)
  --offline        the bot is stopped: append a re-armed status.csv row instead of asking the bot`,
  options: { reason: { type: 'string' }, offline: { type: 'boolean' } },
  mode: (values) => (values.offline === true ? 'offline' : 'online'),
  validate: (values) => void requireString(values, 'reason', 'the reset is logged with who asked and why'),
  run: (ctx) => {
    const reason = requireString(ctx.values, 'reason', 'the reset is logged with who asked and why');
    if (ctx.values.offline === true) return offline(ctx, reason);
    return sendAndPrint(ctx, { command: 'reset-kill-switch', reason }, (r) => `kill switch reset (${reason}):\n${JSON.stringify(r, null, 2)}`);
  },
};
