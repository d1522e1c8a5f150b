import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { redact } from '../shared/redact.js';
import type { ChildStateKind } from './child-state.js';

/** One thing that went wrong (or was done about it), as the health log lists it. */
export interface Incident {
  at: string;
  worker: string;
  kind: 'hang-warning' | 'hang-kill' | 'crash' | 'start-failure' | 'respawn' | 'escalation' | 'wedged' | 'fatal';
  message: string;
}

export interface WorkerHealth {
  state: ChildStateKind;
  generation: number;
  threadId: number | null;
  lagMs: number | null;
  lastHeartbeatAt: string | null;
  beats: number;
  restarts: number;
  lastRestartReason: string | null;
  /** What the worker itself published: breaker, kill switch, persistence, ... */
  components: Record<string, Record<string, unknown>>;
}

/** The document in `logs/health_log.json`. Later components add their state under `workers.*.components`. */
export interface HealthReport {
  generatedAt: string;
  pid: number;
  uptimeMs: number;
  status: 'starting' | 'running' | 'degraded' | 'stopping' | 'escalating';
  workers: Record<string, WorkerHealth>;
  incidents: Incident[];
}

/** A bounded list of the most recent incidents. */
export class IncidentLog {
  private readonly items: Incident[] = [];
  constructor(private readonly max: number) {}

  add(incident: Incident): void {
    this.items.push(incident);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }

  recent(): Incident[] {
    return [...this.items];
  }
}

export function healthLogPath(logsDir: string): string {
  return join(logsDir, 'health_log.json');
}

/** Writes the report atomically, so a reader never sees half a file. Secrets cannot reach it. */
export async function writeHealthLog(logsDir: string, report: HealthReport): Promise<string> {
  mkdirSync(logsDir, { recursive: true });
  const path = healthLogPath(logsDir);
  await writeFileAtomic(path, `${JSON.stringify(redact(report), null, 2)}\n`, 0o640);
  return path;
}

/** One line for the log when an operator sends SIGUSR1. */
export function summarize(report: HealthReport): string {
  const workers = Object.entries(report.workers)
    .map(([name, w]) => `${name}=${w.state} lag=${w.lagMs ?? '-'}ms restarts=${w.restarts}`)
    .join('; ');
  return `health: ${report.status}; ${workers}; incidents=${report.incidents.length}`;
}
