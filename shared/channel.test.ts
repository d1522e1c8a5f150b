import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';
import { ErrorCode, type TraderError } from './errors.js';
import type { Protocol } from './protocol.js';

interface Echo extends Protocol {
  requests: { echo: { input: string; output: string }; fail: { input: null; output: never }; slow: { input: null; output: string } };
  events: { note: string };
}

function pair(): { a: Channel<Echo, Echo>; b: Channel<Echo, Echo>; problems: TraderError[]; notes: string[]; release: () => void } {
  const problems: TraderError[] = [];
  const notes: string[] = [];
  let release!: () => void;
  const slow = new Promise<string>((r) => (release = () => r('late')));
  const make = (name: string): Channel<Echo, Echo> =>
    new Channel<Echo, Echo>({
      name,
      requests: {
        echo: (s) => s.toUpperCase(),
        fail: () => {
          throw Object.assign(new Error('nope'), { code: ErrorCode.EXCHANGE_REJECTED });
        },
        slow: () => slow,
      },
      events: { note: (s) => notes.push(s) },
      onProblem: (e) => problems.push(e),
    });
  const { port1, port2 } = new MessageChannel();
  const a = make('a->b');
  const b = make('b->a');
  a.attach(port1);
  b.attach(port2);
  return { a, b, problems, notes, release };
}

describe('Channel', () => {
  it('answers requests with ok or a coded error, and delivers events', async () => {
    const { a, b, notes } = pair();
    await expect(a.request('echo', 'hi')).resolves.toBe('HI');
    await expect(a.request('fail', null)).rejects.toMatchObject({ code: ErrorCode.EXCHANGE_REJECTED, message: 'nope' });
    expect(b.emit('note', 'n1')).toBe(true);
    await expect(b.request('echo', 'sync')).resolves.toBe('SYNC');
    expect(notes).toEqual(['n1']);
    a.close();
    b.close();
  });

  it('rejects pending requests when the peer is replaced, closed, or absent', async () => {
    const { a, b, release } = pair();
    const pending = a.request('slow', null);
    expect(a.pendingCount).toBe(1);
    a.attach(new MessageChannel().port1);
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.PEER_EXITED, message: expect.stringMatching(/a->b: request "slow" #1 was not answered: the peer was replaced/) });
    a.detach('gone');
    await expect(a.request('echo', 'x')).rejects.toMatchObject({ code: ErrorCode.PEER_UNAVAILABLE });
    release();
    b.close();
    b.close();
    await expect(b.request('echo', 'x')).rejects.toMatchObject({ code: ErrorCode.PEER_UNAVAILABLE });
  });

  it('rejects pending requests when the other end of the port closes', async () => {
    const { a, b } = pair();
    const pending = a.request('slow', null);
    b.close();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.PEER_EXITED });
  });

  it('reports unknown messages as protocol errors instead of dropping them', async () => {
    const { port1, port2 } = new MessageChannel();
    const problems: TraderError[] = [];
    const a = new Channel<Echo, Echo>({ name: 'a', requests: { echo: (s) => s, fail: () => null as never, slow: () => 'x' }, events: { note: () => undefined }, onProblem: (e) => problems.push(e) });
    a.attach(port1);
    const replies: unknown[] = [];
    port2.on('message', (m) => replies.push(m));
    port2.postMessage({ kind: 'request', id: 7, type: 'launch-missiles', input: null });
    port2.postMessage({ kind: 'event', type: 'mystery', payload: 1 });
    port2.postMessage('garbage');
    port2.postMessage({ kind: 'reply', id: 99, result: { ok: true, value: 1 } });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (problems.length >= 4 && replies.length >= 1) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(problems.map((p) => p.code)).toEqual([ErrorCode.PROTOCOL, ErrorCode.PROTOCOL, ErrorCode.PROTOCOL, ErrorCode.PROTOCOL]);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/unknown request type "launch-missiles"[\s\S]*unknown event type "mystery"[\s\S]*not an envelope[\s\S]*#99, which is not pending/);
    expect(replies[0]).toMatchObject({ kind: 'reply', id: 7, result: { ok: false, error: { code: ErrorCode.PROTOCOL } } });
    a.close();
    port2.close();
  });

  it('times a request out when asked to', async () => {
    const { a, b } = pair();
    await expect(a.request('slow', null, { timeoutMs: 50 })).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    expect(a.pendingCount).toBe(0);
    a.close();
    b.close();
  });
});
