/**
 * The piscina pool that runs replay and verify tasks (see pool-worker.ts). Workers start
 * lazily and exit when idle, so an idle bot holds no extra wasm heap.
 */
import { Piscina } from 'piscina';
import { fromErrorRecord } from '../../shared/errors.js';
import type { InspectOutput, PoolResult, PoolTask } from './pool-messages.js';
import type { ReplayInput, ReplayOutput } from './replay.js';

export class PersistencePool {
  private readonly piscina: Piscina<PoolTask, PoolResult>;

  constructor(options: { maxThreads?: number; idleTimeoutMs?: number } = {}) {
    this.piscina = new Piscina({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: options.maxThreads ?? 1,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
    });
  }

  async replay(input: ReplayInput): Promise<ReplayOutput> {
    return (await this.run({ type: 'replay', input })) as ReplayOutput;
  }

  /** Why the file at `path` cannot serve as trades.db, or null when it can. */
  async inspect(path: string): Promise<string | null> {
    return ((await this.run({ type: 'inspect', path })) as InspectOutput).problem;
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }

  private async run(task: PoolTask): Promise<ReplayOutput | InspectOutput> {
    const result = await this.piscina.run(task);
    if (!result.ok) throw fromErrorRecord(result.error);
    return result.value;
  }
}
