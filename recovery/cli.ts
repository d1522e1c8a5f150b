/**
 * `node recovery/cli.js <command>`: the runbook as commands, for an operator at 3 am.
 * Every command checks what it is about to do and says so; nothing destructive happens
 * without a prompt on a terminal or `--yes`. Exit codes: recovery/exit-codes.ts and README.
 */
import { runCli } from './runner.js';

const code = await runCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
// A pool thread or a socket left open must not keep a finished command (or a script waiting on it) hanging.
process.exit(code);
