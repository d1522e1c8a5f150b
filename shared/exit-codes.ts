/**
 * Exit codes of `node supervisor/main.js`, documented in the README. systemd's
 * `Restart=on-failure` restarts every non-zero code; the unit lists USAGE and CONFIG in
 * `RestartPreventExitStatus=` because a restart cannot fix a bad configuration.
 */
export const ExitCode = {
  /** Clean shutdown (SIGTERM/SIGINT, or `--print-config`/`--help`). */
  OK: 0,
  /** An unexpected error in the root supervisor itself. */
  UNEXPECTED: 1,
  /** A bad command-line flag. */
  USAGE: 64,
  /** A worker cannot start because a file on disk needs an operator (a bad journal row, a newer format): restarting cannot fix it. */
  DATA: 65,
  /** A worker could not be stopped or restarted in place: the whole process must restart (too many restarts, or a wedged thread). */
  ESCALATED: 70,
  /** The data directory is held by another running bot. */
  LOCKED: 75,
  /** A configuration key has a bad value, or live trading was asked for without keys. */
  CONFIG: 78,
  /** A second SIGINT: the operator asked to exit at once, without the ordered shutdown. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
