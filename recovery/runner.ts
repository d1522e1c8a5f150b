/**
 * The recovery CLI's dispatcher: finds the command, parses its flags, loads the bot's
 * configuration, takes the data directory's lock for offline commands, and turns every
 * failure into a documented exit code with a message (see cli.ts for the entry point).
 */
import { ConfigError, ErrorCode, TraderError } from '../shared/errors.js';
import { UsageError, type RecoveryCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import { COMMON_USAGE, configFor, makeContext, parseFlags, stderrLog, whoAsks, type Io } from './context.js';
import { CliExit, RecoveryExit } from './exit-codes.js';
import { auditLog, withOfflineLock } from './offline.js';

const modeOf = (c: RecoveryCommand): string => (typeof c.mode === 'function' ? 'online/offline' : c.mode);

export const CLI_USAGE = `usage: node recovery/cli.js <command> [options]

online (talk to the running bot over <data-dir>/control.sock):
${COMMANDS.filter((c) => modeOf(c) !== 'offline' && !c.passThrough)
  .map((c) => `  ${c.name.padEnd(18)} ${c.summary}`)
  .join('\n')}

offline (the bot must be stopped; refused with exit 75 while it runs):
${COMMANDS.filter((c) => modeOf(c) !== 'online' && !c.passThrough)
  .map((c) => `  ${c.name.padEnd(18)} ${c.summary}`)
  .join('\n')}

drills (their own bots in temporary directories; the running bot is not touched):
${COMMANDS.filter((c) => c.passThrough)
  .map((c) => `  ${c.name.padEnd(18)} ${c.summary}`)
  .join('\n')}

\`node recovery/cli.js <command> --help\` for a command's options.
exit codes: 0 ok, 1 check failed or refused, 64 usage, 65 bad data, 66 missing input, 69 bot not running,
70 internal error, 71 exchange unreachable, 75 bot running, 77 no permission, 78 bad configuration`;

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${CLI_USAGE}\n`);
    return name === undefined ? RecoveryExit.USAGE : RecoveryExit.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`recovery: unknown command "${name}"\n\n${CLI_USAGE}\n`);
    return RecoveryExit.USAGE;
  }
  if (command.passThrough) return command.passThrough(rest, io);
  const usage = `${command.usage}\n${COMMON_USAGE}`;
  let json = false;
  try {
    const values = parseFlags(command, rest);
    json = values.json === true;
    if (values.help === true) {
      io.stdout.write(`${command.name}: ${command.summary}\n${usage}\n`);
      return RecoveryExit.OK;
    }
    command.validate?.(values);
    const config = configFor(command, values, env);
    const by = whoAsks(values, env);
    const mode = typeof command.mode === 'function' ? command.mode(values) : command.mode;
    if (mode === 'online') return await command.run(makeContext(config, values, by, io, stderrLog(io)));
    return await withOfflineLock(config.dataDir, async () => {
      const audit = await auditLog(config.logsDir);
      try {
        return await command.run(makeContext(config, values, by, io, stderrLog(io, audit.log), audit.log));
      } finally {
        await audit.close();
      }
    });
  } catch (err) {
    const [code, message] = classify(err);
    io.stderr.write(`recovery ${command.name}: ${message}\n${code === RecoveryExit.USAGE ? `\n${usage}\n` : ''}`);
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, exit: code, error: message })}\n`);
    return code;
  }
}

function classify(err: unknown): [number, string] {
  if (err instanceof CliExit) return [err.code, err.message];
  if (err instanceof UsageError) return [RecoveryExit.USAGE, err.message];
  if (err instanceof ConfigError) return [RecoveryExit.CONFIG, `configuration error: ${err.message}`];
  if (err instanceof TraderError) {
    switch (err.code) {
      case ErrorCode.USAGE:
        return [RecoveryExit.USAGE, err.message];
      case ErrorCode.CORRUPT:
      case ErrorCode.FORMAT_VERSION:
        return [RecoveryExit.DATA, err.message];
      case ErrorCode.EXCHANGE_UNAVAILABLE:
      case ErrorCode.EXCHANGE_AUTH:
      case ErrorCode.EXCHANGE_CLOCK:
      case ErrorCode.EXCHANGE_REJECTED:
        return [RecoveryExit.UNAVAILABLE, err.message];
      default:
        break;
    }
  }
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'EACCES' || errno === 'EPERM') return [RecoveryExit.NO_PERMISSION, `${(err as Error).message}: run as the bot's user`];
  return [RecoveryExit.SOFTWARE, `unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`];
}
