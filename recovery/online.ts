/** The online commands: one control request each, the reply printed, an error reply as exit 1. */
import type { ControlCommand } from '../shared/control-protocol.js';
import type { CommandContext, OptionSpecs, RecoveryCommand } from './command.js';
import { requireString } from './command.js';
import { askBot } from './control-client.js';
import { RecoveryExit } from './exit-codes.js';

export async function sendAndPrint(ctx: CommandContext, command: ControlCommand, human: (result: unknown) => string): Promise<number> {
  const reply = await askBot(ctx.config.dataDir, command, ctx.by);
  if (!reply.ok) {
    ctx.result(reply, () => `the bot refused ${command.command}: ${reply.error.code}: ${reply.error.message}`);
    return RecoveryExit.FAILED;
  }
  ctx.result(reply.result, () => human(reply.result));
  return RecoveryExit.OK;
}

const REASON: OptionSpecs = { reason: { type: 'string' } };

/** A command that needs `--reason`, logged by the bot with who asked. */
export function reasonCommand(name: 'pause-entries' | 'resume-entries', summary: string): RecoveryCommand {
  return {
    name,
    summary,
    usage: `usage: node recovery/cli.js ${name} --reason "TEXT" [options]\n  --reason TEXT    why (required; logged by the bot with --by)`,
    options: REASON,
    mode: 'online',
    validate: (values) => void requireString(values, 'reason', 'it is logged with who asked'),
    run: (ctx) => {
      const reason = requireString(ctx.values, 'reason', 'it is logged with who asked');
      return sendAndPrint(ctx, { command: name, reason }, (r) => `${name}: done (${reason})\n${JSON.stringify(r, null, 2)}`);
    },
  };
}
