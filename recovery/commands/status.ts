import type { RecoveryCommand } from '../command.js';
import { sendAndPrint } from '../online.js';
import { table } from '../table.js';

interface WorkerHealth {
  state: string;
  generation: number;
  lagMs: number | null;
  restarts: number;
  lastRestartReason: string | null;
}
interface StatusResult {
  health: { pid: number; status: string; uptimeMs: number; workers: Record<string, WorkerHealth>; incidents: unknown[] };
  workers: {
    engine?: { details?: { killSwitch?: { tripped: boolean; reason: string | null }; positions?: Array<{ symbol: string; amount: number }>; equity?: number | null; pauses?: unknown[] } };
    'market-data'?: { details?: { breaker?: { state: string }; endpoint?: string } };
    persistence?: { details?: { lastFillSeq?: number } };
  };
}

function describe(result: unknown): string {
  const r = result as StatusResult;
  const engine = r.workers.engine?.details;
  const market = r.workers['market-data']?.details;
  const ks = engine?.killSwitch;
  const rows = Object.entries(r.health.workers).map(([name, w]) => [name, w.state, w.generation, w.lagMs, w.restarts, w.lastRestartReason]);
  return [
    `bot pid ${r.health.pid}: ${r.health.status}, up ${Math.round(r.health.uptimeMs / 1000)} s`,
    table(['worker', 'state', 'gen', 'lag ms', 'restarts', 'last restart reason'], rows),
    `kill switch: ${ks ? (ks.tripped ? `TRIPPED (${ks.reason})` : 'armed') : 'unknown'}; breaker: ${market?.breaker?.state ?? 'unknown'}; entries paused: ${engine?.pauses?.length ? JSON.stringify(engine.pauses) : 'no'}`,
    `equity: ${engine?.equity ?? 'unknown'}; positions: ${(engine?.positions ?? []).map((p) => `${p.symbol} ${p.amount}`).join(', ') || 'none'}; last fill seq: ${r.workers.persistence?.details?.lastFillSeq ?? 'unknown'}`,
    `exchange: ${market?.endpoint ?? 'unknown'}; incidents: ${r.health.incidents.length} (see logs/health_log.json)`,
  ].join('\n');
}

export const status: RecoveryCommand = {
  name: 'status',
  summary: 'workers, heartbeats, kill switch, breaker, positions of the running bot',
  usage: 'usage: node recovery/cli.js status [options]',
  options: {},
  mode: 'online',
  run: (ctx) => sendAndPrint(ctx, { command: 'status' }, describe),
};
