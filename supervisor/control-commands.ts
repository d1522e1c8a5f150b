import { assertNever } from '../shared/channel.js';
import type { ControlCommand } from '../shared/control-protocol.js';
import { ErrorCode, TraderError, toErrorRecord } from '../shared/errors.js';
import { WORKER_NAMES, type WorkerName } from '../shared/heartbeat-layout.js';
import type { Log } from '../shared/log.js';
import type { WorkerCommand } from '../shared/protocol.js';
import type { ControlHandler } from './control-server.js';
import type { Supervisor } from './supervisor.js';

/** A worker that does not answer within this is reported as not answering; the heartbeat monitor deals with hangs. */
const WORKER_ANSWER_MS = 5000;

function requireReason(command: { reason?: unknown }, name: string): string {
  if (typeof command.reason !== 'string' || command.reason.trim() === '') {
    throw new TraderError(ErrorCode.USAGE, `${name} needs a reason (it is logged with who asked)`);
  }
  return command.reason.trim();
}

/** What the control socket's commands do, against the running tree. */
export function controlHandler(supervisor: Supervisor, log: Log): ControlHandler {
  const ask = (worker: WorkerName, command: WorkerCommand): Promise<unknown> => {
    const child = supervisor.child(worker);
    if (child.state.kind !== 'running') throw new TraderError(ErrorCode.PEER_UNAVAILABLE, `${worker} is ${child.state.kind}; try again when it is running`);
    return child.control.request('command', command);
  };

  const status = async (): Promise<unknown> => {
    const health = supervisor.healthReport();
    const details: Record<string, unknown> = {};
    await Promise.all(
      WORKER_NAMES.map(async (name) => {
        try {
          details[name] = await supervisor.child(name).control.request('status', {}, { timeoutMs: WORKER_ANSWER_MS });
        } catch (err) {
          details[name] = { error: toErrorRecord(err) };
        }
      }),
    );
    return { health, workers: details };
  };

  return async (command: ControlCommand, by: string) => {
    switch (command.command) {
      case 'status':
        return status();
      case 'health':
        await supervisor.writeHealth();
        return supervisor.healthReport();
      case 'reset-kill-switch': {
        const reason = requireReason(command, 'reset-kill-switch');
        log.warn(`control: reset-kill-switch asked by ${by}: ${reason}`, { by, reason });
        return ask('engine', { name: 'reset-kill-switch', by, reason });
      }
      case 'pause-entries':
      case 'resume-entries': {
        const reason = requireReason(command, command.command);
        log.info(`control: ${command.command} asked by ${by}: ${reason}`, { by, reason });
        return ask('engine', { name: command.command, by, reason });
      }
      case 'reconcile-now':
        log.info(`control: reconcile-now asked by ${by}`, { by });
        return ask('engine', { name: 'reconcile-now', by });
      case 'checkpoint-now':
        log.info(`control: checkpoint-now asked by ${by}`, { by });
        return ask('persistence', { name: 'checkpoint-now', by });
      default:
        assertNever(command);
    }
  };
}
