/**
 * RUNBOOK.md cannot drift from the code: every command it shows is run here (or, for the
 * production host's systemd, checked against systemd/*.service), every CLI command and flag
 * must exist, and every quoted log line must be in the code at its level. The convention is
 * written at the end of RUNBOOK.md ("How this file is tested").
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBot, type BotProcess } from '../fixtures/testing/bot-process.js';
import { ROOT, tempDir, until } from '../fixtures/testing/tree.js';
import { loadLastValidStatus, StatusFile } from '../workers/persistence/index.js';
import { loadSqlJs } from '../workers/persistence/sqlite.js';
import { recordingLog } from '../workers/persistence/test-support.js';
import { COMMANDS } from './commands/index.js';
import { cli, startTestBot } from './test-support.js';
import { hasCommand } from '../fixtures/testing/has-command.js';

// ---------------------------------------------------------------- parsing

export interface RunbookCommand {
  env: string;
  /** 1-based line in RUNBOOK.md. */
  line: number;
  shell: string;
  exit: number;
  output: RegExp | null;
  log: RegExp | null;
}
export interface LogLine {
  line: number;
  level: string;
  worker: string;
  message: string;
}

const ENV_MARKER = /^<!-- runbook-env: ([a-z-]+) -->$/;
const EXPECT = /^(.*?)\s+# expect: exit (\d+)(?: ~ \/(.+?)\/)?(?:, log \/(.+)\/)?\s*$/;

export function parseRunbook(text: string): { commands: RunbookCommand[]; logLines: LogLine[]; problems: string[] } {
  const lines = text.split('\n');
  const commands: RunbookCommand[] = [];
  const logLines: LogLine[] = [];
  const problems: string[] = [];
  let fence: { lang: string; env: string | null } | null = null;
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.startsWith('```')) {
      if (fence) {
        fence = null;
        return;
      }
      const lang = raw.slice(3).trim();
      const env = ENV_MARKER.exec(lines[i - 1] ?? '')?.[1] ?? null;
      if (lang !== 'sh' && lang !== 'log') problems.push(`line ${n}: a \`\`\`${lang} block: only sh (commands) and log (log lines) blocks are allowed`);
      if (lang === 'sh' && env === null) problems.push(`line ${n}: an sh block without <!-- runbook-env: NAME --> on the line before it`);
      fence = { lang, env };
      return;
    }
    if (!fence || raw.trim() === '') return;
    if (fence.lang === 'log') {
      const m = /^(CRITICAL|ERROR|WARN|INFO) \[([\w-]+)\] (.+)$/.exec(raw);
      if (!m) problems.push(`line ${n}: a log line must read LEVEL [worker] message`);
      else logLines.push({ line: n, level: m[1] as string, worker: m[2] as string, message: m[3] as string });
      return;
    }
    if (fence.lang !== 'sh') return;
    if (!raw.startsWith('$ ')) {
      problems.push(`line ${n}: a line in an sh block that is not a command ("$ "): ${raw}`);
      return;
    }
    const m = EXPECT.exec(raw.slice(2));
    if (!m) {
      problems.push(`line ${n}: a command without "# expect: exit N": ${raw}`);
      return;
    }
    commands.push({
      env: fence.env ?? '(none)',
      line: n,
      shell: (m[1] as string).trim(),
      exit: Number(m[2]),
      output: m[3] ? new RegExp(m[3], 'm') : null,
      log: m[4] ? new RegExp(m[4]) : null,
    });
  });
  if (fence) problems.push('the file ends inside a fenced block');
  return { commands, logLines, problems };
}

/** Words of a command line, quotes removed (enough for the runbook's commands). */
export function words(shell: string): string[] {
  return (shell.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
}

/** Inline code in the prose (outside fenced blocks), with its line: mentions of commands are checked too. */
export function inlineSpans(text: string): Array<{ line: number; span: string }> {
  const out: Array<{ line: number; span: string }> = [];
  let fenced = false;
  text.split('\n').forEach((raw, i) => {
    if (raw.startsWith('```')) fenced = !fenced;
    else if (!fenced) for (const m of raw.matchAll(/`([^`]+)`/g)) out.push({ line: i + 1, span: m[1] as string });
  });
  return out;
}

// ---------------------------------------------------------------- the systemd units

const UNIT_DIR = join(ROOT, 'systemd');
const unitText = (name: string): string => readFileSync(join(UNIT_DIR, name), 'utf8');
const unitKey = (text: string, key: string): string => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';

/** A unit name as systemctl/journalctl take it: trader-gemini, trader-gemini.service, or an instance of the template. */
function unitExists(name: string): boolean {
  const base = name.replace(/\.service$/, '');
  const at = base.indexOf('@');
  if (at < 0) return existsSync(join(UNIT_DIR, `${base}.service`));
  return base.length > at + 1 && existsSync(join(UNIT_DIR, `${base.slice(0, at + 1)}.service`));
}

const SYSTEMCTL_VERBS = new Set(['start', 'stop', 'restart', 'status', 'reset-failed', 'kill', 'show', 'enable', 'disable', 'daemon-reload', 'is-active']);
/** Flags that take the next word as their value. */
const SYSTEMCTL_FLAGS = new Map([['-s', true], ['--signal', true], ['-p', true], ['--value', false], ['--no-pager', false], ['--kill-whom', true], ['-n', true]]);
const JOURNALCTL_FLAGS = new Map([['-u', true], ['-n', true], ['--since', true], ['--until', true], ['--no-pager', false], ['-p', true], ['-f', false], ['-o', true], ['-b', false], ['--grep', true], ['-g', true]]);
const SIGNALS = new Set(['USR1', 'SIGUSR1', 'TERM', 'SIGTERM', 'INT', 'SIGINT']);

/** Checks a command that needs the production host; returns what is wrong with it. */
export function checkHostCommand(shell: string): string[] {
  const main = unitText('trader-gemini.service');
  const exec = unitKey(main, 'ExecStart');
  const codeDir = /\s(\S+)\/supervisor\/main\.js/.exec(exec)?.[1] ?? '(none)';
  const [tool, ...args] = words(shell);
  const problems: string[] = [];
  const flagsAndArgs = (table: Map<string, boolean>): { positional: string[]; flags: Map<string, string | true> } => {
    const positional: string[] = [];
    const flags = new Map<string, string | true>();
    for (let i = 0; i < args.length; i++) {
      const w = args[i] as string;
      if (!w.startsWith('-')) {
        positional.push(w);
        continue;
      }
      const [name, inline] = w.split('=', 2) as [string, string | undefined];
      if (!table.has(name)) {
        problems.push(`${tool}: flag ${name} is not one the runbook test knows (add it with care)`);
        continue;
      }
      flags.set(name, inline ?? (table.get(name) ? (args[++i] ?? '') : true));
    }
    return { positional, flags };
  };
  switch (tool) {
    case 'systemctl': {
      const { positional, flags } = flagsAndArgs(SYSTEMCTL_FLAGS);
      const [verb, ...units] = positional;
      if (!verb || !SYSTEMCTL_VERBS.has(verb)) problems.push(`systemctl: unknown verb ${verb}`);
      if (verb !== 'daemon-reload' && units.length === 0) problems.push('systemctl: no unit named');
      for (const u of units) if (!unitExists(u)) problems.push(`systemctl: unit ${u} is not one of systemd/*.service`);
      const signal = flags.get('-s') ?? flags.get('--signal');
      if (signal !== undefined && !SIGNALS.has(String(signal))) problems.push(`systemctl: signal ${String(signal)}`);
      const whom = flags.get('--kill-whom');
      if (whom !== undefined && !['main', 'control', 'all'].includes(String(whom))) problems.push(`systemctl: --kill-whom=${String(whom)}`);
      break;
    }
    case 'journalctl': {
      const { positional, flags } = flagsAndArgs(JOURNALCTL_FLAGS);
      if (positional.length) problems.push(`journalctl: unexpected ${positional.join(' ')}`);
      const unit = flags.get('-u');
      if (typeof unit !== 'string' || !unitExists(unit)) problems.push(`journalctl: -u ${String(unit)} is not one of systemd/*.service`);
      const priority = flags.get('-p');
      if (priority !== undefined && !['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'].includes(String(priority))) problems.push(`journalctl: -p ${String(priority)}`);
      break;
    }
    case 'sudo': {
      const user = unitKey(main, 'User');
      if (args[0] !== '-u' || args[1] !== user) problems.push(`sudo: must run as the unit's User= (${user})`);
      break;
    }
    case 'cd':
      if (args[0] !== codeDir) problems.push(`cd ${args[0]}: the code directory of ExecStart is ${codeDir}`);
      break;
    case 'export': {
      const wants: Record<string, string> = {
        DATA_DIR: /--data-dir (\S+)/.exec(exec)?.[1] ?? '(none)',
        LOGS_DIR: /--logs-dir (\S+)/.exec(exec)?.[1] ?? '(none)',
      };
      for (const a of args) {
        const [name, value] = a.split('=', 2) as [string, string];
        if (!(name in wants)) problems.push(`export ${name}: not a runbook variable`);
        else if (value !== wants[name]) problems.push(`export ${name}=${value}: ExecStart uses ${wants[name]}`);
      }
      break;
    }
    case 'git':
      if (args[0] !== '-C' || args[1] !== codeDir) problems.push(`git: must name the code directory (-C ${codeDir})`);
      if (!['fetch', 'checkout'].includes(args[2] ?? '')) problems.push(`git ${args[2]}: not a deploy step`);
      break;
    case 'npm':
      if (args[0] !== '--prefix' || args[1] !== codeDir || args[2] !== 'ci') problems.push(`npm: expected npm --prefix ${codeDir} ci`);
      break;
    default:
      problems.push(`no static check for "${tool}" in a host block`);
  }
  return problems;
}

// ---------------------------------------------------------------- quoted log lines

interface SourceFile {
  path: string;
  text: string;
  lines: string[];
}
function sources(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const text = readFileSync(p, 'utf8');
        out.push({ path: relative(ROOT, p), text, lines: text.split('\n') });
      }
    }
  };
  for (const d of ['supervisor', 'workers', 'shared']) walk(join(ROOT, d));
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A fixed part of a quoted message as a pattern over the source: any word may be a `${...}` there. */
function piecePattern(piece: string): RegExp {
  const tokens = piece.match(/[A-Za-z0-9_.-]+|[^A-Za-z0-9_.-]+/g) ?? [];
  return new RegExp(tokens.map((t) => (/^[A-Za-z0-9_.-]+$/.test(t) ? `(?:${escape(t)}|\\$\\{[^}]*\\})` : escape(t))).join(''), 'g');
}

/** What is wrong with a quoted log line: a fixed part the code does not have, or no part logged at its level by its worker. */
export function checkLogLine(entry: LogLine, files: readonly SourceFile[]): string[] {
  const pieces = entry.message
    .split('…')
    .flatMap((p) => p.split(/[;:] /))
    .map((p) => p.trim())
    .filter((p) => p.length >= 4);
  const problems: string[] = [];
  const call = `.${entry.level.toLowerCase()}(`;
  const home = entry.worker === 'supervisor' ? 'supervisor/' : `workers/${entry.worker}/`;
  let levelSeen = false;
  for (const piece of pieces) {
    const pattern = piecePattern(piece);
    let found = false;
    for (const f of files) {
      for (const m of f.text.matchAll(pattern)) {
        found = true;
        const at = f.text.slice(0, m.index).split('\n').length - 1;
        const near = f.lines.slice(Math.max(0, at - 3), at + 4).join('\n');
        if (f.path.startsWith(home) && near.includes(call)) levelSeen = true;
      }
    }
    if (!found) problems.push(`"${piece}" is not in supervisor/, workers/ or shared/`);
  }
  if (pieces.length && !levelSeen) problems.push(`no part of it is logged with ${call}...) in ${home}`);
  return problems;
}

// ---------------------------------------------------------------- the recovery CLI

const helpCache = new Map<string, string>();
async function helpOf(sub: string | null): Promise<string> {
  const key = sub ?? '';
  if (!helpCache.has(key)) {
    const run = await cli(sub ? [sub, '--help'] : ['--help'], ROOT);
    expect(run.code, `${sub ?? ''} --help: ${run.stderr}`).toBe(0);
    helpCache.set(key, run.stdout);
  }
  return helpCache.get(key) as string;
}

/** What is wrong with a `node recovery/cli.js ...` line: a command or flag the CLI does not have, a missing --data-dir/--logs-dir. */
export async function checkCliCommand(shell: string): Promise<string[]> {
  const w = words(shell);
  if (w[0] !== 'node' || w[1] !== 'recovery/cli.js') return [];
  const sub = w[2];
  if (sub === undefined || sub === '--help') return [];
  const problems: string[] = [];
  const top = await helpOf(null);
  if (!new RegExp(`^  ${escape(sub)} `, 'm').test(top)) return [`${sub}: not a command of node recovery/cli.js --help`];
  const help = await helpOf(sub);
  const flags = w.slice(3).filter((x) => x.startsWith('--')).map((x) => x.split('=')[0] as string);
  for (const f of flags) if (f !== '--help' && !new RegExp(`${escape(f)}\\b`).test(help)) problems.push(`${sub}: ${f} is not in \`${sub} --help\``);
  const command = COMMANDS.find((c) => c.name === sub);
  if (command && !command.passThrough) {
    const values = Object.fromEntries(flags.map((f) => [f.slice(2), true]));
    const mode = typeof command.mode === 'function' ? command.mode(values) : command.mode;
    if (!flags.includes('--data-dir')) problems.push(`${sub}: must name --data-dir "$DATA_DIR"`);
    if (mode === 'offline' && !flags.includes('--logs-dir')) problems.push(`${sub} is offline and writes its audit line to the logs: must name --logs-dir "$LOGS_DIR"`);
  }
  return problems;
}

// ---------------------------------------------------------------- running commands

interface Env {
  DATA_DIR?: string;
  LOGS_DIR?: string;
  PID?: string;
  ROW?: string;
}

const TOOLS = { sqlite3: hasCommand('sqlite3'), jq: hasCommand('jq') };

function shellRun(shell: string, env: Env): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['-c', shell], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 45_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}\n${stderr}` });
    });
    child.stdin?.end();
  });
}

/** Resolves with the first line matching `pattern` that the bot writes after `from` (an offset in its output). */
function newLine(bot: BotProcess, from: number, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = (): boolean => {
      const line = bot.output().slice(from).split('\n').find((l) => pattern.test(l));
      if (line === undefined) return false;
      cleanup();
      resolve(line);
      return true;
    };
    const onData = (): void => void look();
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the bot logged no line matching ${pattern} within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      bot.proc.stdout?.off('data', onData);
      bot.proc.stderr?.off('data', onData);
    };
    bot.proc.stdout?.on('data', onData);
    bot.proc.stderr?.on('data', onData);
    look();
  });
}

const ran: string[] = [];
const phases: string[] = [];
let phaseAt = performance.now();
const phase = (name: string): void => {
  phases.push(`${name} ${((performance.now() - phaseAt) / 1000).toFixed(1)} s`);
  phaseAt = performance.now();
};
const skipped: string[] = [];

async function runCommand(c: RunbookCommand, env: Env, bot: BotProcess | null): Promise<void> {
  const tool = words(c.shell)[0] as string;
  if ((tool === 'sqlite3' || tool === 'jq') && !TOOLS[tool]) {
    console.warn(`RUNBOOK.md line ${c.line} skipped: ${tool} is not installed here (${c.shell})`);
    skipped.push(`${c.line}`);
    return;
  }
  const from = bot?.output().length ?? 0;
  const { code, out } = await shellRun(c.shell, env);
  const where = `RUNBOOK.md line ${c.line} (${c.env}): ${c.shell}\n${out.slice(-3000)}`;
  expect(code, where).toBe(c.exit);
  if (c.exit !== 64) expect(code, `${where}\nexit 64: the CLI does not take this`).not.toBe(64);
  if (c.output) expect(out, where).toMatch(c.output);
  if (c.log) {
    expect(bot, `${where}: "log /.../" needs a running bot (online)`).not.toBeNull();
    await newLine(bot as BotProcess, from, c.log);
  }
  ran.push(`${c.line}`);
}

// ---------------------------------------------------------------- the test

const RUNBOOK_TEXT = readFileSync(join(ROOT, 'RUNBOOK.md'), 'utf8');
const { commands, logLines, problems } = parseRunbook(RUNBOOK_TEXT);
const spans = inlineSpans(RUNBOOK_TEXT);

/** The states a block can ask for; each prepares a data directory from a stopped bot's copy. */
const OFFLINE_ENVS: Record<string, (dataDir: string) => Promise<void>> = {
  stopped: async () => {},
  'db-damaged': async (dataDir) => {
    const db = join(dataDir, 'trades.db');
    const bytes = readFileSync(db);
    bytes.fill(0x5a, 100, Math.min(bytes.length, 4096));
    writeFileSync(db, bytes);
  },
  'journal-bad-row': async (dataDir) => {
    const path = join(dataDir, 'trades.csv');
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf('\n2,');
    expect(at).toBeGreaterThan(0);
    writeFileSync(path, `${text.slice(0, at + 1)}this is not a row\n${text.slice(at + 1)}`);
  },
  'kill-switch-tripped': tripKillSwitch,
};
const RUNNERS = new Set(['online', 'online-outage', 'online-tripped', 'online-hung', 'none', 'host', ...Object.keys(OFFLINE_ENVS)]);

/** A bot in `cwd` as startTestBot runs it, with a 1 s breaker cooldown and short poll backoff so an outage opens and ends within seconds. */
function startRunbookBot(cwd: string, strategy = { module: join(ROOT, 'fixtures/strategies/every-n.js'), params: {} as Record<string, unknown> }): BotProcess {
  const config = {
    dataDir: 'data',
    supervisor: { heartbeat: { sampleIntervalMs: 100, warnAfterMs: 500, killAfterMs: 1500 }, healthLog: { intervalMs: 500 } },
    worker: { loopIdleMs: 100 },
    exchange: { pollIntervalMs: 100, timeoutMs: 2000, breaker: { failureThreshold: 5, cooldownMs: 1000 }, backoff: { baseMs: 100, maxMs: 1000 } },
    simulator: { candleIntervalMs: 100 },
    strategy,
  };
  writeFileSync(join(cwd, 'config.json'), JSON.stringify(config));
  const bot = startBot(['--config', 'config.json'], { cwd });
  bots.push(bot);
  return bot;
}

/** The embedded simulator's admin endpoint (faults, price), from the line the bot logs at start. */
async function simAdmin(bot: BotProcess, method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const url = /embedded exchange simulator on (http:\/\/[\d.:]+)/.exec(await bot.waitForLine(/embedded exchange simulator on/))?.[1];
  const res = await fetch(`${url}/__admin${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`).toBe(true);
}

const copyData = (from: string, cwd: string): string => {
  const dataDir = join(cwd, 'data');
  cpSync(from, dataDir, { recursive: true, filter: (src) => !/(control\.sock|bot\.lock)$/.test(src) });
  return dataDir;
};

async function tripKillSwitch(dataDir: string): Promise<void> {
  const path = join(dataDir, 'status.csv');
  const last = await loadLastValidStatus(path, recordingLog());
  expect(last).not.toBeNull();
  const file = await StatusFile.open(path, recordingLog());
  try {
    const now = Date.now();
    await file.appendStatus({ ...last!, time: now, killSwitch: { ...last!.killSwitch, tripped: true, reason: 'runbook test: equity fell 6% in 20 s', trippedAt: now } });
  } finally {
    await file.close();
  }
}

const bots: BotProcess[] = [];
/** The stopped bot's data directory, once the run test has made it. */
let goldenDir: string | null = null;

/** A quoted log line as a pattern over the bot's output: `…` stands for anything. */
const quoted = (l: LogLine): RegExp => new RegExp(`${l.level} \\[${l.worker}\\] ${l.message.split('…').map(escape).join('.*')}`);
const quote = (start: string): LogLine => {
  const l = logLines.find((x) => x.message.startsWith(start) && x.line > codeRollbackLine);
  expect(l, `RUNBOOK.md quotes a line starting "${start}" under Code rollback`).toBeDefined();
  return l as LogLine;
};
const codeRollbackLine = readFileSync(join(ROOT, 'RUNBOOK.md'), 'utf8').split('\n').indexOf('## Code rollback') + 1;
afterAll(() => {
  for (const bot of bots) if (bot.proc.exitCode === null && bot.proc.signalCode === null) bot.proc.kill('SIGKILL');
  console.info(`RUNBOOK.md: ${commands.length} commands: ${ran.length} run, ${commands.filter((c) => c.env === 'host').length} checked against systemd/*.service, ${skipped.length} skipped (tool absent); ${phases.join(', ')}`);
});

describe('RUNBOOK.md', () => {
  it('follows its convention: every block has a runner, every command an expectation', () => {
    expect(problems).toEqual([]);
    expect(commands.length).toBeGreaterThan(20);
    for (const c of commands) expect(RUNNERS.has(c.env), `RUNBOOK.md line ${c.line}: no runner for runbook-env "${c.env}"`).toBe(true);
    for (const c of commands) if (!c.env.startsWith('online')) expect(c.log, `RUNBOOK.md line ${c.line}: "log /.../" only in online blocks`).toBeNull();
    // Every scenario and rollback has its section.
    const text = readFileSync(join(ROOT, 'RUNBOOK.md'), 'utf8');
    for (const h of ['## A. Database corruption', '## B. Exchange connection lost', '## C. Execution hang', '## D. Flash crash', '## Code rollback', '## State rollback']) expect(text).toContain(h);
  });

  it('quotes log lines that the code writes, at their level', () => {
    const files = sources();
    expect(logLines.length).toBeGreaterThan(10);
    for (const l of logLines) expect(checkLogLine(l, files), `RUNBOOK.md line ${l.line}: ${l.level} [${l.worker}] ${l.message}`).toEqual([]);
    // The checker itself catches a line the code does not write, and a wrong level.
    expect(checkLogLine({ line: 0, level: 'CRITICAL', worker: 'persistence', message: 'trades.db exploded (…)' }, files)).not.toEqual([]);
    expect(checkLogLine({ line: 0, level: 'INFO', worker: 'engine', message: 'KILL SWITCH TRIPPED: …; every entry is refused until an operator resets it (reset-kill-switch); exits and stops go on' }, files)).not.toEqual([]);
  });

  it('host commands (systemd) name the shipped units, their user and paths', () => {
    const host = commands.filter((c) => c.env === 'host');
    expect(host.some((c) => c.shell.startsWith('systemctl '))).toBe(true);
    expect(host.some((c) => c.shell.startsWith('journalctl '))).toBe(true);
    for (const c of host) expect(checkHostCommand(c.shell), `RUNBOOK.md line ${c.line}: ${c.shell}`).toEqual([]);
    // Mentions in the prose too.
    const mentions = spans.filter((s) => /^(systemctl|journalctl) .*trader-gemini/.test(s.span));
    expect(mentions.length).toBeGreaterThan(2);
    for (const m of mentions) expect(checkHostCommand(m.span), `RUNBOOK.md line ${m.line}: \`${m.span}\``).toEqual([]);
    // The checker itself refuses a wrong unit name and an unknown flag.
    expect(checkHostCommand('systemctl restart trader-gemini-bot')).not.toEqual([]);
    expect(checkHostCommand('journalctl -u trader-gemini --frobnicate')).not.toEqual([]);
  });

  it('names only recovery CLI commands and flags that exist', async () => {
    const lines = commands.filter((c) => c.shell.startsWith('node recovery/cli.js'));
    await Promise.all([null, ...COMMANDS.map((c) => c.name)].map((name) => helpOf(name)));
    expect(lines.length).toBeGreaterThan(15);
    for (const c of lines) expect(await checkCliCommand(c.shell), `RUNBOOK.md line ${c.line}: ${c.shell}`).toEqual([]);
    // Commands named in the prose (`reset-kill-switch --offline`, `drill all`): the command and its flags exist.
    const names = new Set(COMMANDS.map((c) => c.name));
    const mentions = spans.filter((s) => names.has(s.span.split(' ')[0] as string));
    expect(mentions.length).toBeGreaterThan(5);
    for (const m of mentions) {
      const [name, ...rest] = words(m.span);
      const help = await helpOf(name as string);
      for (const f of rest.filter((x) => x.startsWith('--'))) expect(help, `RUNBOOK.md line ${m.line}: \`${m.span}\``).toMatch(new RegExp(`${escape(f)}\\b`));
      if (name === 'drill') for (const a of rest.filter((x) => !x.startsWith('<'))) expect(help, `RUNBOOK.md line ${m.line}`).toMatch(new RegExp(`\\b${escape(a)}\\b`));
    }
    expect(await checkCliCommand('node recovery/cli.js verify --deep --data-dir "$DATA_DIR" --logs-dir "$LOGS_DIR"')).not.toEqual([]);
    expect(await checkCliCommand('node recovery/cli.js reset-daily-losses --data-dir "$DATA_DIR"')).not.toEqual([]);
  });

  it('runs every command against a real bot and real data directories', { timeout: 120_000 }, async () => {
    phaseAt = performance.now();
    const cwd = tempDir('tg-runbook-');
    const bot = startRunbookBot(cwd);
    await bot.waitForLine(/all workers ready/);
    phase('bot start');
    const online: Env = { DATA_DIR: join(cwd, 'data'), LOGS_DIR: join(cwd, 'logs'), PID: String(bot.proc.pid) };
    for (const c of commands.filter((x) => x.env === 'online')) await runCommand(c, online, bot);
    for (const c of commands.filter((x) => x.env === 'none')) await runCommand(c, {}, null);

    // Every health-log path the prose names (`workers["market-data"].components.breaker.state`) is in the real file.
    const health = JSON.parse(readFileSync(join(cwd, 'logs/health_log.json'), 'utf8')) as unknown;
    const paths = spans.filter((x) => /^workers[.[]/.test(x.span));
    expect(paths.length).toBeGreaterThan(3);
    for (const { line, span } of paths) {
      let at: unknown = health;
      for (const m of span.matchAll(/\.?([A-Za-z_]\w*)|\["([^"]+)"\]/g)) {
        const key = (m[1] ?? m[2]) as string;
        expect(at !== null && typeof at === 'object' && key in at, `RUNBOOK.md line ${line}: ${span}: no "${key}" in health_log.json`).toBe(true);
        at = (at as Record<string, unknown>)[key];
      }
    }
    phase('online');
    // The same bot while the exchange answers 503 to everything: the breaker opens.
    let from = bot.output().length;
    await simAdmin(bot, 'POST', '/faults', { kind: 'status', status: 503 });
    await newLine(bot, from, /ERROR \[market-data\] breaker closed -> open: /);
    for (const c of commands.filter((x) => x.env === 'online-outage')) await runCommand(c, online, bot);
    from = bot.output().length;
    await simAdmin(bot, 'DELETE', '/faults');
    await newLine(bot, from, /breaker half-open -> closed/);
    phase('outage');

    // A stopped bot's data directory with fills and several status rows: the copy every offline block starts from.
    const rows = (file: string): number => readFileSync(join(cwd, 'data', file), 'utf8').trim().split('\n').length - 1;
    await until('three fills and three status rows', () => rows('trades.csv') >= 3 && rows('status.csv') >= 3, 30_000, 50);
    bot.proc.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    phase('stop');
    const golden = join(cwd, 'data');
    const statusRows = rows('status.csv');

    // A bot started on a status.csv whose kill switch is tripped: it stays tripped until reset.
    const trippedRun = async (): Promise<void> => {
      const trippedCwd = tempDir('tg-runbook-tripped-');
      await tripKillSwitch(copyData(golden, trippedCwd));
      const tripped = startRunbookBot(trippedCwd);
      await tripped.waitForLine(/all workers ready/);
      await tripped.waitForLine(/WARN \[engine\] the kill switch is still tripped \(runbook test/);
      await until('the health log to show the restored engine', () => {
        const path = join(trippedCwd, 'logs/health_log.json');
        return existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as { workers: { engine?: { components?: { engine?: unknown } } } }).workers.engine?.components?.engine !== undefined;
      }, 15_000, 50);
      const trippedEnv: Env = { DATA_DIR: join(trippedCwd, 'data'), LOGS_DIR: join(trippedCwd, 'logs'), PID: String(tripped.proc.pid) };
      for (const c of commands.filter((x) => x.env === 'online-tripped')) await runCommand(c, trippedEnv, tripped);
      tripped.proc.kill('SIGTERM');
      expect((await tripped.exited).code).toBe(0);
    };

    // Each offline state in its own copy, all at once (the commands of one run in file order).
    const envs = [...new Set(commands.map((c) => c.env))].filter((e) => e in OFFLINE_ENVS);
    const offline = envs.map(async (env) => {
      const dir = tempDir(`tg-runbook-${env}-`);
      const dataDir = copyData(golden, dir);
      mkdirSync(join(dir, 'logs'));
      await (OFFLINE_ENVS[env] as (d: string) => Promise<void>)(dataDir);
      const vars: Env = { DATA_DIR: dataDir, LOGS_DIR: join(dir, 'logs'), ROW: String(statusRows - 1) };
      for (const c of commands.filter((x) => x.env === env)) await runCommand(c, vars, null);
    });
    goldenDir = golden;
    // A bot whose engine hangs once (an await that never settles): killed past killAfterMs, respawned.
    const hungRun = async (): Promise<void> => {
      const hungCwd = tempDir('tg-runbook-hung-');
      const trigger = join(hungCwd, 'hang-trigger');
      const hung = startRunbookBot(hungCwd, { module: join(ROOT, 'fixtures/strategies/hang.js'), params: { triggerFile: trigger } });
      await hung.waitForLine(/all workers ready/);
      const from = hung.output().length;
      writeFileSync(trigger, 'never-settle');
      await newLine(hung, from, /ERROR \[supervisor\] engine is hung: heartbeat lag \d+ ms > killAfterMs/);
      await newLine(hung, from, /\[supervisor\] engine: \w+ -> running/);
      const hungEnv: Env = { DATA_DIR: join(hungCwd, 'data'), LOGS_DIR: join(hungCwd, 'logs'), PID: String(hung.proc.pid) };
      for (const c of commands.filter((x) => x.env === 'online-hung')) await runCommand(c, hungEnv, hung);
      hung.proc.kill('SIGTERM');
      expect((await hung.exited).code).toBe(0);
    };
    await Promise.all([trippedRun(), hungRun(), ...offline]);
    phase('tripped bot, hung bot and offline copies');
    const host = commands.filter((c) => c.env === 'host').length;
    expect(ran.length + skipped.length + host, 'every command ran, was skipped for a missing tool, or was checked as a host command').toBe(commands.length);
  });

  it('code rollback: an older release refuses a newer CSV header with exit 65 and the quoted line; a newer trades.db is moved aside', { timeout: 60_000 }, async () => {
    expect(goldenDir, 'needs the stopped data directory of the run test').not.toBeNull();
    const copy = (): { cwd: string; dataDir: string } => {
      const cwd = tempDir('tg-runbook-rollback-');
      cpSync(goldenDir as string, join(cwd, 'data'), { recursive: true, filter: (src) => !/(control\.sock|bot\.lock)$/.test(src) });
      return { cwd, dataDir: join(cwd, 'data') };
    };
    const refusal = quoted(quote('persistence cannot start'));
    for (const file of ['trades.csv', 'intents.csv', 'status.csv']) {
      const { cwd, dataDir } = copy();
      const path = join(dataDir, file);
      const text = readFileSync(path, 'utf8');
      const nl = text.indexOf('\n');
      writeFileSync(path, `${text.slice(0, nl)},venue${text.slice(nl)}`);
      const bot = startTestBot(cwd);
      bots.push(bot);
      const { code } = await bot.exited;
      expect(code, `${file}: ${bot.output().slice(-2000)}`).toBe(65);
      expect(bot.output(), file).toMatch(refusal);
      // The file as the runbook says the line names it.
      expect(bot.output().split('\n').find((l) => refusal.test(l)), file).toContain(file === 'trades.csv' ? 'trades journal: unknown header' : `data/${file}: unknown header`);
      expect(readFileSync(path, 'utf8'), `${file} is left as it was`).toBe(`${text.slice(0, nl)},venue${text.slice(nl)}`);
    }
    const { cwd, dataDir } = copy();
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(join(dataDir, 'trades.db')));
    db.exec('PRAGMA user_version = 2');
    writeFileSync(join(dataDir, 'trades.db'), db.export());
    db.close();
    const bot = startTestBot(cwd);
    bots.push(bot);
    const line = await bot.waitForLine(quoted(quote('trades.db unusable')));
    expect(line).toContain('schema version 2, expected 1');
    await bot.waitForLine(/all workers ready/);
    bot.proc.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    expect(readdirSync(dataDir).some((f) => f.startsWith('trades.db.corrupt-'))).toBe(true);
  });
});
