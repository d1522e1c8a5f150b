import type { Candle } from '../../shared/domain.js';
import type { Log } from '../../shared/log.js';
import type { Signal, Strategy, StrategyContext } from '../../shared/strategy.js';

/**
 * Calls the strategy and keeps its failures from becoming the engine's: a throw is logged
 * with its stack and that candle skipped; `maxConsecutiveErrors` in a row pause entries
 * with a CRITICAL alert, and the next good candle resumes them. A strategy that never
 * returns is not caught here on purpose: it stops the engine's heartbeat, and the
 * supervisor kills and respawns the engine.
 */
export class StrategyRunner {
  private consecutiveErrors = 0;
  private totalErrors = 0;
  private paused = false;

  constructor(
    private readonly strategy: Strategy,
    private readonly maxConsecutiveErrors: number,
    private readonly log: Log,
    private readonly onPause: (paused: boolean, why: string) => void,
  ) {}

  async run(candle: Candle, context: StrategyContext): Promise<Signal | null> {
    let signal: Signal | null | undefined;
    try {
      signal = await this.strategy.onCandle(candle, context);
    } catch (err) {
      this.consecutiveErrors++;
      this.totalErrors++;
      const e = err instanceof Error ? err : new Error(String(err));
      this.log.error(`strategy "${this.strategy.name}" threw on ${candle.symbol} candle ${new Date(candle.openTime).toISOString()}; candle skipped: ${e.message}`, {
        stack: e.stack,
        consecutiveErrors: this.consecutiveErrors,
      });
      if (this.consecutiveErrors >= this.maxConsecutiveErrors && !this.paused) {
        this.paused = true;
        const why = `strategy "${this.strategy.name}" failed ${this.consecutiveErrors} candles in a row (strategy.maxConsecutiveErrors ${this.maxConsecutiveErrors})`;
        this.log.critical(`${why}: entries paused until it succeeds again`);
        this.onPause(true, why);
      }
      return null;
    }
    this.consecutiveErrors = 0;
    if (this.paused) {
      this.paused = false;
      this.onPause(false, `strategy "${this.strategy.name}" succeeded again`);
    }
    if (signal && signal.kind !== 'entry' && signal.kind !== 'exit') {
      this.log.error(`strategy "${this.strategy.name}" returned an unknown signal; ignored`, { signal });
      return null;
    }
    return signal ?? null;
  }

  status(): Record<string, unknown> {
    return { name: this.strategy.name, consecutiveErrors: this.consecutiveErrors, totalErrors: this.totalErrors, paused: this.paused };
  }
}
