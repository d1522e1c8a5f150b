/** The online commands' side of the control socket (shared/control-protocol.ts): one request, one reply line. */
import { connect } from 'node:net';
import { join } from 'node:path';
import { CONTROL_SOCKET_NAME, type ControlCommand, type ControlReply } from '../shared/control-protocol.js';
import { lockHolder } from '../supervisor/data-lock.js';
import { CliExit, RecoveryExit } from './exit-codes.js';

/** Reconciliation talks to the exchange and may wait out its timeouts; the rest answer at once. */
export const REPLY_TIMEOUT_MS = 60_000;

export async function askBot(dataDir: string, command: ControlCommand, by: string, timeoutMs = REPLY_TIMEOUT_MS): Promise<ControlReply> {
  const path = join(dataDir, CONTROL_SOCKET_NAME);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new CliExit(RecoveryExit.BOT_NOT_RUNNING, `the bot on ${dataDir} did not answer "${command.command}" within ${timeoutMs / 1000} s (see its log)`));
    }, timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(notReachable(dataDir, path, err));
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(buffer.slice(0, nl)) as ControlReply);
      } catch {
        reject(new CliExit(RecoveryExit.FAILED, `the bot answered with a line that is not JSON: ${buffer.slice(0, 200)}`));
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new CliExit(RecoveryExit.BOT_NOT_RUNNING, `the bot on ${dataDir} closed the control socket without answering`));
    });
    socket.write(`${JSON.stringify({ id: 1, by, ...command })}\n`);
  });
}

function notReachable(dataDir: string, path: string, err: NodeJS.ErrnoException): CliExit {
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new CliExit(RecoveryExit.NO_PERMISSION, `cannot open ${path} (${err.code}): the socket is owner-only; run the CLI as the bot's user (sudo -u trader-gemini ...)`);
  }
  const holder = lockHolder(dataDir);
  const why = err.code === 'ENOENT' ? 'there is no control socket' : `nothing answers on the control socket (${err.code ?? err.message})`;
  if (holder !== null) {
    return new CliExit(RecoveryExit.BOT_NOT_RUNNING, `bot pid ${holder} holds ${dataDir} but ${why} at ${path}: still starting, or stopping? Try again, or see its log`);
  }
  return new CliExit(RecoveryExit.BOT_NOT_RUNNING, `no bot is running on ${dataDir}: ${why} at ${path}. Start it, or use the offline commands (see --help)`);
}
