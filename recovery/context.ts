/** Builds a command's context: flags parsed, configuration loaded as the bot loads it, output, prompts. */
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import type { Log, LogMeta } from '../shared/log.js';
import type { CommandContext, OptionSpecs, OptionValues, RecoveryCommand } from './command.js';
import { UsageError } from './command.js';

/** Flags every command takes. */
export const COMMON_OPTIONS: OptionSpecs = {
  'data-dir': { type: 'string' },
  'logs-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  by: { type: 'string' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const COMMON_USAGE = `common options:
  --data-dir DIR   the bot's data directory (default dashboard/data/scalping, or the config's dataDir)
  --logs-dir DIR   the bot's logs directory (default logs)
  --config FILE    the bot's JSON configuration; loaded exactly as the bot loads it (environment overrides too)
  --json           print the result as one JSON document on stdout (messages stay on stderr)
  --by NAME        who is asking, logged with every change (default $USER@hostname)
  --yes            do a destructive step without asking (required when stdin is not a terminal)
  --help           this command's help`;

export function parseFlags(command: RecoveryCommand, args: string[]): OptionValues {
  try {
    const { values } = parseArgs({ args, options: { ...COMMON_OPTIONS, ...command.options }, strict: true, allowPositionals: false });
    return values as OptionValues;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The bot's own loader with the flags it knows, so a path or key means the same here as there. */
export function configFor(command: RecoveryCommand, values: OptionValues, env: NodeJS.ProcessEnv): CommandContext['config'] {
  const argv: string[] = [];
  for (const name of ['config', 'data-dir', 'logs-dir']) {
    const v = values[name];
    if (typeof v === 'string') argv.push(`--${name}`, v);
  }
  for (const name of command.configFlags ?? []) if (values[name] === true) argv.push(`--${name}`);
  return loadConfig(argv, env).config;
}

export function whoAsks(values: OptionValues, env: NodeJS.ProcessEnv): string {
  if (typeof values.by === 'string' && values.by.trim() !== '') return values.by.trim();
  let user = env.USER ?? env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** Operator messages on stderr; `sink` also gets them (offline: the bot's log files, the audit trail). */
export function stderrLog(io: Io, sink?: Log): Log {
  const put =
    (level: keyof Log) =>
    (message: string, meta?: LogMeta): void => {
      if (level !== 'debug') io.stderr.write(`${level === 'info' ? '' : `${level === 'critical' ? 'CRITICAL' : level}: `}${message}\n`);
      sink?.[level](message, meta);
    };
  return { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error'), critical: put('critical') };
}

export function makeContext(
  config: CommandContext['config'],
  values: OptionValues,
  by: string,
  io: Io,
  log: Log,
  audit?: Log,
): CommandContext {
  const json = values.json === true;
  const tty = io.stderr.isTTY === true;
  let shown = false;
  return {
    config,
    values,
    by,
    json,
    log,
    audit: (message, meta) => audit?.warn(message, meta),
    say: (text) => io.stderr.write(`${text}\n`),
    result: (data, human) => io.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`),
    progress: (text) => {
      if (!tty) return;
      if (text === null) {
        if (shown) io.stderr.write('\r\x1b[K');
        shown = false;
        return;
      }
      io.stderr.write(`\r\x1b[K${text}`);
      shown = true;
    },
    confirm: async (question) => {
      if (values.yes === true) return true;
      if (io.stdin.isTTY !== true || io.stderr.isTTY !== true) {
        throw new UsageError(`${question.replace(/\?$/, '')}: refused without --yes, because there is no terminal to ask on`);
      }
      const rl = createInterface({ input: io.stdin, output: io.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
  };
}
