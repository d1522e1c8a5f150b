/** Where the persistence files live, as the runbook names them. */
import { join } from 'node:path';

/** The runbook's data folder, relative to the working directory. */
export const DEFAULT_DATA_DIR = 'dashboard/data/scalping';

export interface StorePaths {
  dataDir: string;
  /** The fills journal: master truth. */
  journal: string;
  /** The order-intent journal (write-ahead of every order). */
  intents: string;
  db: string;
  backup: string;
  status: string;
}

export function storePaths(dataDir: string = DEFAULT_DATA_DIR): StorePaths {
  return {
    dataDir,
    journal: join(dataDir, 'trades.csv'),
    intents: join(dataDir, 'intents.csv'),
    db: join(dataDir, 'trades.db'),
    backup: join(dataDir, 'trades_backup.db'),
    status: join(dataDir, 'status.csv'),
  };
}
