/** What every recovery command is, and what it is handed to run. */
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../shared/config.js';
import type { Log } from '../shared/log.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  /** The effective configuration, loaded as the bot loads it (`--config`, environment, flags). */
  config: Config;
  /** This command's flags (common ones included). */
  values: OptionValues;
  /** Who is asking: `--by`, else `$USER@hostname`; logged with every change. */
  by: string;
  json: boolean;
  /** Messages for the operator (stderr; never part of `--json` output) and, offline, the bot's log files. */
  log: Log;
  /** The audit trail of a change (offline: the bot's daily log file, worker "recovery"); nothing on the terminal. */
  audit(message: string, meta?: Record<string, unknown>): void;
  /** A message for the operator on stderr only (a plan, a warning): never in the logs, never in `--json` output. */
  say(text: string): void;
  /** Prints the result: `data` as one JSON document with `--json`, else `human()`. */
  result(data: unknown, human: () => string): void;
  /** Progress on a TTY only (stderr, rewritten in place); silent otherwise. */
  progress(text: string | null): void;
  /** Asks a yes/no question on a TTY; without one, only `--yes` says yes. */
  confirm(question: string): Promise<boolean>;
}

export interface RecoveryCommand {
  name: string;
  /** One line for the CLI's command list. */
  summary: string;
  /** The command's own flags and what they mean, for `<command> --help`. */
  usage: string;
  /** Its flags, beyond the common ones. */
  options: OptionSpecs;
  /**
   * online: talks to the running bot over its control socket. offline: the bot must be
   * stopped; the CLI holds the data directory's lock while it runs, so the bot cannot start
   * under it. A function decides from the flags (`reset-kill-switch --offline`).
   */
  mode: 'online' | 'offline' | ((values: OptionValues) => 'online' | 'offline');
  /** Flags passed to the bot's config loader besides --config/--data-dir/--logs-dir (e.g. `live`). */
  configFlags?: string[];
  /** A command that parses its own arguments (the drills): gets them raw, with no configuration or lock. */
  passThrough?(args: readonly string[], io: { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown } }): Promise<number>;
  /** Checks the flags before anything is opened or locked, so a typo never costs a lock or a socket; throws UsageError. */
  validate?(values: OptionValues): void;
  run(ctx: CommandContext): Promise<number>;
}

/** A required string flag, trimmed; throws a usage error naming it. */
export function requireString(values: OptionValues, name: string, why: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required: ${why}`);
  return v.trim();
}

/** A bad or missing argument: exit 64 with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
