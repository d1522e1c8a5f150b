import type { CheckpointResult } from '../../workers/persistence/index.js';
import type { RecoveryCommand } from '../command.js';
import { sendAndPrint } from '../online.js';

function describe(result: unknown): string {
  const r = result as CheckpointResult;
  return `trades.db checkpointed up to seq ${r.maxSeq} (${r.bytes} bytes): ${r.verified ? 'verified (integrity_check ok)' : 'DID NOT VERIFY: see the bot log (CRITICAL)'}; trades_backup.db ${r.backedUp ? 'updated' : 'not due'}`;
}

export const checkpoint: RecoveryCommand = {
  name: 'checkpoint',
  summary: 'checkpoint trades.db now (written atomically and verified)',
  usage: 'usage: node recovery/cli.js checkpoint [options]',
  options: {},
  mode: 'online',
  run: (ctx) => sendAndPrint(ctx, { command: 'checkpoint-now' }, describe),
};
