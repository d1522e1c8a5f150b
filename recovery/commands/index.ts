/** Every command of the recovery CLI, in the order `--help` lists them. */
import type { RecoveryCommand } from '../command.js';
import { checkpoint } from './checkpoint.js';
import { drill } from './drill.js';
import { health } from './health.js';
import { pauseEntries } from './pause-entries.js';
import { rebuildDb } from './rebuild-db.js';
import { reconcile } from './reconcile.js';
import { repairJournal } from './repair-journal.js';
import { resetKillSwitch } from './reset-kill-switch.js';
import { resumeEntries } from './resume-entries.js';
import { rollbackState } from './rollback-state.js';
import { status } from './status.js';
import { verify } from './verify.js';

export const COMMANDS: readonly RecoveryCommand[] = [
  status,
  health,
  resetKillSwitch,
  pauseEntries,
  resumeEntries,
  reconcile,
  checkpoint,
  rebuildDb,
  verify,
  rollbackState,
  repairJournal,
  drill,
];
