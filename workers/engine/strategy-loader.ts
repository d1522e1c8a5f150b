import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { Strategy } from '../../shared/strategy.js';

/**
 * Loads the strategy ES module named by `strategy.module` (relative to the working
 * directory) and checks its shape. A module that throws while loading fails the engine
 * before READY, which the supervisor's restart policy handles.
 */
export async function loadStrategy(modulePath: string, cwd = process.cwd()): Promise<Strategy> {
  const url = pathToFileURL(resolve(cwd, modulePath)).href;
  const mod = (await import(url)) as { default?: unknown };
  const strategy = mod.default as Partial<Strategy> | undefined;
  if (!strategy || typeof strategy !== 'object' || typeof strategy.name !== 'string' || typeof strategy.onCandle !== 'function') {
    throw new TraderError(ErrorCode.STRATEGY, `strategy.module "${modulePath}" must default-export { name: string, onCandle(candle, context) }`);
  }
  return strategy as Strategy;
}
