/**
 * Exit codes of `node recovery/cli.js`, documented in the README. They follow sysexits(3)
 * where one fits, so scripts (and the runbook) can branch on them.
 */
export const RecoveryExit = {
  /** Done, or every check passed. */
  OK: 0,
  /** A check failed (a mismatch, a bad row found), the bot refused the command, or the operator declined. */
  FAILED: 1,
  /** Unknown command, bad or missing argument, or a destructive step asked for without `--yes` where no one can be asked. */
  USAGE: 64,
  /** The data in a file cannot be used as it is (a bad journal row): the message names the line. */
  DATA: 65,
  /** A file the command needs is missing (no trades.csv, no status.csv row). */
  NO_INPUT: 66,
  /** Online command: no bot answers on the control socket. */
  BOT_NOT_RUNNING: 69,
  /** The CLI itself failed unexpectedly (a bug: the message says what). */
  SOFTWARE: 70,
  /** The exchange could not be reached, or refused a read (reconcile --dry-run): the message has ccxt's error class. */
  UNAVAILABLE: 71,
  /** Offline command: a running bot holds the data directory (its pid is named). */
  BOT_RUNNING: 75,
  /** The control socket or a file is not ours to touch: run as the bot's user. */
  NO_PERMISSION: 77,
  /** Bad configuration (same loader and message as the bot). */
  CONFIG: 78,
} as const;
export type RecoveryExit = (typeof RecoveryExit)[keyof typeof RecoveryExit];

/** Thrown by a command to end with `code` and a message for the operator; cli.ts prints it. */
export class CliExit extends Error {
  constructor(
    readonly code: RecoveryExit,
    message: string,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
