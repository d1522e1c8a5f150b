import type { Log } from '../shared/log.js';
import { routeUsr1 } from './early-signals.js';

export interface SignalActions {
  /** SIGTERM, or the first SIGINT: ordered graceful shutdown. */
  shutdown(signal: NodeJS.Signals): void;
  /** A second SIGINT: the operator means it. */
  exitNow(signal: NodeJS.Signals): void;
  /** SIGUSR1: dump the health log now. */
  dumpHealth(): void;
}

/** Wires the process signals to the supervisor. */
export function installSignalHandlers(actions: SignalActions, log: Log): void {
  let interrupted = false;
  process.on('SIGTERM', () => {
    log.info('SIGTERM received: graceful shutdown');
    actions.shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    if (interrupted) {
      log.warn('second SIGINT: exiting at once');
      actions.exitNow('SIGINT');
      return;
    }
    interrupted = true;
    log.info('SIGINT received: graceful shutdown (send SIGINT again to exit at once)');
    actions.shutdown('SIGINT');
  });
  process.on('SIGHUP', () => log.info('SIGHUP ignored: restart the service to reload configuration'));
  routeUsr1(() => actions.dumpHealth());
}
