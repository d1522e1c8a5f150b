import type { Strategy } from '../../../shared/strategy.js';
import holdN from './hold-n.js';
import hang from '../../../fixtures/strategies/hang.js';

/**
 * The engine-hang drill's strategy: trades like hold-n (so there is a position and a stop to
 * keep intact), and hangs like hang when its trigger file appears. hang is asked first: it
 * consumes the trigger, so the respawned engine trades on.
 */
const tradeThenHang: Strategy = {
  name: 'trade-then-hang',
  onCandle(candle, context) {
    const hung = hang.onCandle(candle, context);
    if (hung instanceof Promise) return hung;
    return holdN.onCandle(candle, context);
  },
};

export default tradeThenHang;
