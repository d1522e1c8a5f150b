/**
 * Imported first by `supervisor/main.ts`, before anything slow loads. Node 20 opens its
 * inspector on SIGUSR1 unless a handler is installed, which on a trading box would open
 * a debugger port to anyone who can send a signal; installing ours first thing closes
 * that window. Signals that arrive before the supervisor is up are replayed to it.
 */

type Handler = (signal: NodeJS.Signals) => void;

const early: NodeJS.Signals[] = [];
let route: Handler | null = null;

const onUsr1 = (): void => {
  if (route) route('SIGUSR1');
  else early.push('SIGUSR1');
};
process.on('SIGUSR1', onUsr1);

/** Hands SIGUSR1 to `handler` from now on, replaying any that came early. */
export function routeUsr1(handler: Handler): void {
  route = handler;
  for (const signal of early.splice(0)) handler(signal);
}
