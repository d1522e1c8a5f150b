// First: our SIGUSR1 handler, before anything slow loads (see early-signals.ts).
import './early-signals.js';
import { mkdirSync } from 'node:fs';
import { loadConfig, redactConfig, USAGE, type LoadedConfig } from '../shared/config.js';
import { ConfigError, ErrorCode, TraderError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { controlHandler } from './control-commands.js';
import { startControlServer } from './control-server.js';
import { acquireDataLock } from './data-lock.js';
import { resolveEndpoint } from './exchange-endpoint.js';
import { summarize } from './health-log.js';
import { createSdNotify } from './sd-notify.js';
import { createRootLogger } from './logger.js';
import { installSignalHandlers } from './signals.js';
import { Supervisor } from './supervisor.js';

/**
 * `node supervisor/main.js`: the root of the tree and the one entry point, under systemd
 * or by hand. Exit codes are in shared/exit-codes.ts and the README.
 */
async function main(): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    return refuse(err);
  }
  if (loaded.help) {
    process.stdout.write(`${USAGE}\n`);
    return ExitCode.OK;
  }
  if (loaded.printConfig) {
    process.stdout.write(`${JSON.stringify(redactConfig(loaded.config), null, 2)}\n`);
    return ExitCode.OK;
  }
  const { config } = loaded;
  mkdirSync(config.dataDir, { recursive: true });
  let releaseLock: () => void;
  try {
    releaseLock = acquireDataLock(config.dataDir);
  } catch (err) {
    return refuse(err);
  }
  const log = createRootLogger({ logsDir: config.logsDir, level: config.logLevel });
  process.on('uncaughtException', (err) => {
    log.critical(`root supervisor crashed: ${err.stack ?? err.message}`);
    void log.close().finally(() => process.exit(ExitCode.UNEXPECTED));
  });
  process.on('unhandledRejection', (err) => {
    log.critical(`root supervisor: unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void log.close().finally(() => process.exit(ExitCode.UNEXPECTED));
  });

  let exchange;
  try {
    exchange = await resolveEndpoint(config, process.env, log);
  } catch (err) {
    await log.close();
    releaseLock();
    return refuse(err);
  }
  const notify = createSdNotify({ onError: (message) => log.warn(message) });
  const supervisor = new Supervisor({ config, log, exchange: exchange.endpoint, notify });
  const control = await startControlServer(config.dataDir, controlHandler(supervisor, log), log);
  installSignalHandlers(
    {
      shutdown: (signal) => void supervisor.shutdown(signal),
      exitNow: () => void log.close().finally(() => process.exit(ExitCode.INTERRUPTED)),
      dumpHealth: () => {
        void supervisor.writeHealth().then((path) => log.info(`SIGUSR1: ${summarize(supervisor.healthReport())}`, { healthLog: path }));
      },
    },
    log,
  );
  // One poll round is three exchange calls; a kill threshold inside it would kill a healthy
  // market-data worker as hung whenever the exchange is slow (found by the outage drill).
  if (config.supervisor.heartbeat.killAfterMs <= 3 * config.exchange.timeoutMs) {
    log.warn(
      `supervisor.heartbeat.killAfterMs (${config.supervisor.heartbeat.killAfterMs}) is not above 3 x exchange.timeoutMs (${config.exchange.timeoutMs}): during an exchange outage market-data may be killed as hung`,
    );
  }
  log.info(`trader-gemini starting (pid ${process.pid})`, { dataDir: config.dataDir, logsDir: config.logsDir, symbols: config.symbols });
  supervisor.start().catch((err: unknown) => log.warn(`start interrupted: ${(err as Error).message}`));
  const code = await supervisor.done;
  await control.close();
  await exchange.close();
  releaseLock();
  if (supervisor.wedged) {
    // process.exit() would wait forever for the wedged thread; SIGKILL is the only way out,
    // and systemd's Restart=on-failure treats it as the failure it is.
    log.critical('a worker thread is wedged in native code: the supervisor kills its own process (SIGKILL) so systemd restarts it');
    await log.close();
    process.kill(process.pid, 'SIGKILL');
  }
  await log.close();
  return code;
}

/** A bad flag or configuration stops the bot before any worker starts, with the key and value named. */
function refuse(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`trader-gemini: configuration error: ${err.message}\n`);
    return ExitCode.CONFIG;
  }
  if (err instanceof TraderError && err.code === ErrorCode.LOCKED) {
    process.stderr.write(`trader-gemini: ${err.message}\n`);
    return ExitCode.LOCKED;
  }
  if (err instanceof TraderError && err.code === ErrorCode.USAGE) {
    process.stderr.write(`trader-gemini: ${err.message}\n`);
    return ExitCode.USAGE;
  }
  throw err;
}

process.exitCode = await main();
// A worker or socket left behind must not keep a finished supervisor alive.
process.exit();
