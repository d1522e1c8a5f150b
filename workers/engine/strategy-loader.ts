import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { Strategy } from '../../shared/strategy.js';

/** The repository (install) root: the shipped strategies live under it. */
const INSTALL_ROOT = resolve(import.meta.dirname, '../..');

/**
 * Where a relative `strategy.module` points: the working directory first, then the
 * install root, so the default (`fixtures/strategies/scalper.js`) works under systemd,
 * whose working directory is the state directory.
 */
export function resolveStrategyPath(modulePath: string, cwd = process.cwd()): string {
  if (isAbsolute(modulePath)) return modulePath;
  const fromCwd = resolve(cwd, modulePath);
  return existsSync(fromCwd) ? fromCwd : resolve(INSTALL_ROOT, modulePath);
}

/**
 * Loads the strategy ES module named by `strategy.module` and checks its shape. A module
 * that throws while loading fails the engine before READY, which the supervisor's restart
 * policy handles.
 */
export async function loadStrategy(modulePath: string, cwd = process.cwd()): Promise<Strategy> {
  const path = resolveStrategyPath(modulePath, cwd);
  if (!existsSync(path)) throw new TraderError(ErrorCode.STRATEGY, `strategy.module "${modulePath}" not found (looked at ${path})`);
  const url = pathToFileURL(path).href;
  const mod = (await import(url)) as { default?: unknown };
  const strategy = mod.default as Partial<Strategy> | undefined;
  if (!strategy || typeof strategy !== 'object' || typeof strategy.name !== 'string' || typeof strategy.onCandle !== 'function') {
    throw new TraderError(ErrorCode.STRATEGY, `strategy.module "${modulePath}" must default-export { name: string, onCandle(candle, context) }`);
  }
  return strategy as Strategy;
}
