import { chmodSync, existsSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { CONTROL_SOCKET_NAME, type ControlCommand, type ControlReply, type ControlRequest } from '../shared/control-protocol.js';
import { ErrorCode, TraderError, toErrorRecord } from '../shared/errors.js';
import type { Log } from '../shared/log.js';

export type ControlHandler = (command: ControlCommand, by: string) => Promise<unknown>;

/** Longest request line accepted: a command is a few hundred bytes. */
const MAX_LINE = 64 * 1024;

/** True if something answers on the socket at `path` (a live bot), false if nothing does (a stale file). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * The control socket: newline-delimited JSON on a unix domain socket in the data
 * directory, mode 0600 (owner only). A stale socket left by a crash is replaced; a live
 * one is never stolen. Each request line gets one reply line, ok or a coded error.
 */
export async function startControlServer(dataDir: string, handle: ControlHandler, log: Log): Promise<{ path: string; close: () => Promise<void> }> {
  const path = join(dataDir, CONTROL_SOCKET_NAME);
  if (existsSync(path)) {
    if (await answers(path)) throw new TraderError(ErrorCode.LOCKED, `control socket ${path} is served by a running bot`);
    log.warn(`removing a stale control socket left by an earlier run: ${path}`);
    rmSync(path, { force: true });
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.length > MAX_LINE && !buffer.includes('\n')) {
        reply(socket, { id: null, ok: false, error: toErrorRecord(new TraderError(ErrorCode.PROTOCOL, `request line longer than ${MAX_LINE} bytes`)) });
        socket.end();
        return;
      }
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) void serve(line, socket);
      }
    });
  });

  const serve = async (line: string, socket: Socket): Promise<void> => {
    let request: ControlRequest;
    try {
      request = JSON.parse(line) as ControlRequest;
      if (typeof request !== 'object' || request === null || typeof request.command !== 'string') throw new Error('want {"id", "command", ...}');
    } catch (err) {
      reply(socket, { id: null, ok: false, error: toErrorRecord(new TraderError(ErrorCode.PROTOCOL, `bad request: ${(err as Error).message}`)) });
      return;
    }
    const by = typeof request.by === 'string' && request.by ? request.by : 'control socket';
    try {
      reply(socket, { id: request.id ?? null, ok: true, result: await handle(request, by) });
    } catch (err) {
      reply(socket, { id: request.id ?? null, ok: false, error: toErrorRecord(err) });
    }
  };

  // The socket is created with the process umask; tighten it before anyone can connect.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(path, 0o600);
  log.info(`control socket listening on ${path} (mode 0600)`);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function reply(socket: Socket, message: ControlReply): void {
  if (!socket.writable) return;
  socket.write(`${JSON.stringify(message)}\n`);
}
