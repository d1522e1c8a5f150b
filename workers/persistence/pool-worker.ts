/**
 * The piscina worker: rebuilds and verifies trades.db images off the persistence worker's
 * loop. Errors are returned as `{name, code, message}` records, because piscina re-creates
 * a thrown error without its `code`, and callers branch on codes.
 */
import { readFile } from 'node:fs/promises';
import { toErrorRecord } from '../../shared/errors.js';
import type { PoolResult, PoolTask } from './pool-messages.js';
import { replay } from './replay.js';
import { loadSqlJs, problemWith } from './sqlite.js';

export default async function run(task: PoolTask): Promise<PoolResult> {
  try {
    switch (task.type) {
      case 'replay':
        return { ok: true, value: await replay(task.input) };
      case 'inspect': {
        const bytes = await readFile(task.path);
        return { ok: true, value: { problem: problemWith(await loadSqlJs(), bytes) } };
      }
      default: {
        const unknown: never = task;
        throw new Error(`unknown pool task ${JSON.stringify(unknown)}`);
      }
    }
  } catch (err) {
    return { ok: false, error: toErrorRecord(err) };
  }
}
