import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, ErrorCode, TraderError } from './errors.js';
import { redact } from './redact.js';
import { DEFAULTS, RULES, crossChecks, type Config } from './config-schema.js';

export type { Config } from './config-schema.js';
export { DEFAULTS } from './config-schema.js';

/**
 * Configuration is layered: defaults, then a JSON file (`--config FILE`), then the
 * environment (`TRADER_GEMINI__supervisor__heartbeat__killAfterMs=1000`, values parsed
 * as JSON when they parse), then flags. The result is validated once, before any worker
 * starts; the first bad key stops the bot with a message naming the key and the value.
 */

export const ENV_PREFIX = 'TRADER_GEMINI__';

export interface LoadedConfig {
  config: Config;
  /** `--print-config` was given: print and exit instead of running. */
  printConfig: boolean;
  /** `--help` was given. */
  help: boolean;
}

export const USAGE = `usage: node supervisor/main.js [options]
  --config FILE       JSON configuration file (see README "Configuration")
  --data-dir DIR      where trades.csv, trades.db, status.csv live (default dashboard/data/scalping)
  --logs-dir DIR      where bot_YYYYMMDD.json and health_log.json go (default logs)
  --live              trade on the exchange named in the config with BINANCE_API_KEY/SECRET
  --print-config      print the effective configuration (secrets redacted) and exit
  --help              this text`;

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): LoadedConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        'logs-dir': { type: 'string' },
        live: { type: 'boolean' },
        'print-config': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new TraderError(ErrorCode.USAGE, `${(err as Error).message}\n${USAGE}`);
  }
  const flags = parsed.values;
  const merged = structuredClone(DEFAULTS) as unknown as Record<string, unknown>;
  if (flags.config !== undefined) overlay(merged, readConfigFile(flags.config), '');
  overlayEnv(merged, env);
  if (flags['data-dir'] !== undefined) merged.dataDir = flags['data-dir'];
  if (flags['logs-dir'] !== undefined) merged.logsDir = flags['logs-dir'];
  if (flags.live) merged.live = true;
  const config = validate(merged);
  return { config, printConfig: flags['print-config'] === true, help: flags.help === true };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', path, `names a file that cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('--config', path, `is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('--config', path, 'must hold a JSON object');
  }
  return value as Record<string, unknown>;
}

/** True when `path` is a leaf in the schema or lies below a free-form key. */
function isFreeForm(path: string): boolean {
  return Object.entries(RULES).some(([key]) => path.startsWith(`${key}.`) && isObjectDefault(key));
}

function isObjectDefault(key: string): boolean {
  const v = getPath(DEFAULTS as unknown as Record<string, unknown>, key);
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBranch(path: string): boolean {
  return !(path in RULES) && Object.keys(RULES).some((key) => key.startsWith(`${path}.`));
}

/** Copies `source` onto `target`, refusing keys the schema does not know. */
function overlay(target: Record<string, unknown>, source: Record<string, unknown>, prefix: string): void {
  for (const [k, v] of Object.entries(source)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isBranch(path)) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(path, v, 'must be an object');
      overlay(target[k] as Record<string, unknown>, v as Record<string, unknown>, path);
    } else if (path in RULES) {
      target[k] = v;
    } else if (!isFreeForm(path)) {
      throw new ConfigError(path, v, 'is not a known configuration key');
    }
  }
}

function overlayEnv(target: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').join('.');
    if (!(path in RULES)) throw new ConfigError(name, raw, `names no configuration key ("${path}")`);
    setPath(target, path, parseEnvValue(raw));
  }
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function validate(merged: Record<string, unknown>): Config {
  for (const [key, rule] of Object.entries(RULES)) {
    const value = getPath(merged, key);
    const problem = rule(value);
    if (problem) throw new ConfigError(key, value, problem);
  }
  const config = merged as unknown as Config;
  const [first] = crossChecks(config);
  if (first) throw new ConfigError(...first);
  return config;
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = obj;
  for (const k of keys) node = node[k] as Record<string, unknown>;
  node[last] = value;
}

/** The configuration as `--print-config` shows it: anything that looks like a secret is redacted. */
export function redactConfig(config: Config): unknown {
  return redact(config);
}
