import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from './errors.js';
import { DEFAULTS, loadConfig, redactConfig } from './config.js';
import { tempDir } from '../fixtures/testing/tree.js';

function file(content: unknown): string {
  const path = join(tempDir('tg-config-'), 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function rejection(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('keeps the runbook defaults when nothing is given', () => {
    const { config } = loadConfig([], {});
    expect(config).toEqual(DEFAULTS);
    expect(config.supervisor.heartbeat).toEqual({ sampleIntervalMs: 1000, warnAfterMs: 60_000, killAfterMs: 120_000 });
    expect(config.supervisor.restart.maxRestarts).toBe(5);
    expect(config.supervisor.restart.periodMs).toBe(600_000);
    expect(config.supervisor.shutdownTimeoutMs).toBe(20_000);
    expect(config.dataDir).toBe('dashboard/data/scalping');
  });

  it('layers defaults, file, environment, then flags', () => {
    const path = file({ dataDir: 'from-file', logsDir: 'logs-file', supervisor: { heartbeat: { killAfterMs: 5000, warnAfterMs: 1000 } } });
    const { config } = loadConfig(['--config', path, '--data-dir', 'from-flag'], {
      TRADER_GEMINI__dataDir: 'from-env',
      TRADER_GEMINI__supervisor__heartbeat__killAfterMs: '7000',
      TRADER_GEMINI__symbols: '["ETH/USDT","BTC/USDT"]',
    });
    expect(config.dataDir).toBe('from-flag');
    expect(config.logsDir).toBe('logs-file');
    expect(config.supervisor.heartbeat.killAfterMs).toBe(7000);
    expect(config.supervisor.heartbeat.warnAfterMs).toBe(1000);
    expect(config.symbols).toEqual(['ETH/USDT', 'BTC/USDT']);
  });

  it('names the key and the value of every kind of bad input', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, string, unknown]> = [
      [['--config', file({ supervisor: { heartbeat: { killAfterMs: 0 } } })], {}, 'supervisor.heartbeat.killAfterMs', 0],
      [['--config', file({ supervisor: { heartbeat: { warnAfterMs: 1.5 } } })], {}, 'supervisor.heartbeat.warnAfterMs', 1.5],
      [['--config', file({ symbols: ['btcusdt'] })], {}, 'symbols', ['btcusdt']],
      [['--config', file({ exchange: { apiUrl: 'ftp://x' } })], {}, 'exchange.apiUrl', 'ftp://x'],
      [['--config', file({ nope: 1 })], {}, 'nope', 1],
      [['--config', file({ supervisor: { heartbeat: 5 } })], {}, 'supervisor.heartbeat', 5],
      [['--config', file({ supervisor: { heartbeat: { killAfterMs: 1000, warnAfterMs: 2000 } } })], {}, 'supervisor.heartbeat.killAfterMs', 1000],
      [[], { TRADER_GEMINI__supervisor__nope: '1' }, 'TRADER_GEMINI__supervisor__nope', '1'],
      [['--config', '/no/such/file.json'], {}, '--config', '/no/such/file.json'],
      [['--config', file('{not json')], {}, '--config', expect.any(String)],
    ];
    for (const [argv, env, key, value] of cases) {
      const err = rejection(() => loadConfig(argv, env));
      expect(err.code).toBe(ErrorCode.CONFIG);
      expect(err.key).toBe(key);
      expect(err.value).toEqual(value);
      expect(err.message).toContain(`"${key}"`);
    }
  });

  it('never puts a secret-looking value in an error message or the printed config', () => {
    const err = rejection(() => loadConfig(['--config', file({ strategy: { params: 5 } })], {}));
    expect(err.message).toMatch(/strategy.params/);
    const secretErr = new ConfigError('exchange.apiSecret', 'hunter2', 'is wrong');
    expect(secretErr.message).not.toContain('hunter2');
    const { config } = loadConfig(['--config', file({ strategy: { module: 'm.js', params: { token: 'abc', depth: 3 } } })], {});
    expect(redactConfig(config)).toMatchObject({ strategy: { params: { token: '[redacted]', depth: 3 } } });
  });

  it('treats flag mistakes as usage errors', () => {
    expect(() => loadConfig(['--data-dir'], {})).toThrow(expect.objectContaining({ code: ErrorCode.USAGE }));
    expect(() => loadConfig(['stray'], {})).toThrow(expect.objectContaining({ code: ErrorCode.USAGE }));
  });
});
