/**
 * `node recovery/drills/main.js <scenario>|all [--json] [--keep]`: the drills on their own,
 * until the recovery CLI registers them as `node recovery/cli.js drill`.
 */
import { runDrillCommand } from './index.js';

const code = await runDrillCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
// A ccxt keep-alive socket must not hold a finished run (or CI waiting on it) open.
process.exit(code);
