import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/testing/tree.js';
import { createSdNotify } from './sd-notify.js';
import { canNotify, startNotifyReceiver, type NotifyReceiver } from '../fixtures/testing/notify-receiver.js';

const receivers: NotifyReceiver[] = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.proc.kill('SIGKILL');
});

async function startReceiver(): Promise<NotifyReceiver> {
  const r = await startNotifyReceiver();
  receivers.push(r);
  return r;
}

describe.skipIf(!canNotify)('sd-notify through systemd-notify to a real datagram socket', () => {
  it('sends READY=1 with a status, STOPPING=1, and WATCHDOG=1 at most every WATCHDOG_USEC/4', async () => {
    const r = await startReceiver();
    let clock = 1_000_000;
    const errors: string[] = [];
    const notify = createSdNotify({
      env: { ...process.env, NOTIFY_SOCKET: r.path, WATCHDOG_USEC: '2000000', WATCHDOG_PID: String(process.pid) },
      now: () => clock,
      onError: (m) => errors.push(m),
    });
    expect(notify.enabled).toBe(true);
    // systemd-notify returns only after its barrier, i.e. once the receiver has read the datagram.
    expect(await notify.ready('all workers ready')).toBe(true);
    expect(await notify.watchdog()).toBe(true);
    clock += 400; // < 2 s / 4: skipped
    expect(await notify.watchdog()).toBe(false);
    clock += 200; // 600 ms since the last one: due
    expect(await notify.watchdog()).toBe(true);
    expect(await notify.stopping()).toBe(true);
    expect(r.messages).toEqual(['READY=1\nSTATUS=all workers ready', 'WATCHDOG=1', 'WATCHDOG=1', 'STOPPING=1']);
    expect(errors).toEqual([]);
  });

  it('sends no watchdog when systemd set none for this pid, and reports a failed send without throwing', async () => {
    const r = await startReceiver();
    const otherPid = createSdNotify({ env: { ...process.env, NOTIFY_SOCKET: r.path, WATCHDOG_USEC: '2000000', WATCHDOG_PID: '1' } });
    expect(await otherPid.watchdog()).toBe(false);
    expect(await otherPid.ready()).toBe(true);
    expect(r.messages).toEqual(['READY=1']);

    const errors: string[] = [];
    const nowhere = createSdNotify({ env: { ...process.env, NOTIFY_SOCKET: join(tempDir('tg-notify-'), 'absent.sock') }, onError: (m) => errors.push(m) });
    expect(await nowhere.ready()).toBe(false);
    expect(errors[0]).toMatch(/systemd-notify --ready failed/);
  });
});

describe('sd-notify without NOTIFY_SOCKET', () => {
  it('is a no-op that never spawns anything', async () => {
    const errors: string[] = [];
    // A command that cannot exist: if a call tried to run it, onError would hear of it.
    const notify = createSdNotify({ env: { WATCHDOG_USEC: '1000' }, command: '/nonexistent/systemd-notify', onError: (m) => errors.push(m) });
    expect(notify.enabled).toBe(false);
    expect(await notify.ready()).toBe(false);
    expect(await notify.watchdog()).toBe(false);
    expect(await notify.stopping()).toBe(false);
    expect(errors).toEqual([]);
  });
});
