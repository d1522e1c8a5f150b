import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Channel } from '../shared/channel.js';
import type { Protocol } from '../shared/protocol.js';

/**
 * One end of the hop benchmark. `echo` ends answer; the `driver` end sends `count`
 * round trips one after another and reports each round trip's time in microseconds.
 * Mode `bare` uses the MessagePort directly; mode `channel` goes through our Channel.
 */
interface Ping extends Protocol {
  requests: { ping: { input: number; output: number } };
  events: Record<string, never>;
}

const { port, role, mode, count } = workerData as { port: MessagePort; role: 'driver' | 'echo'; mode: 'bare' | 'channel'; count: number };

if (mode === 'bare') {
  if (role === 'echo') {
    port.on('message', (m: number) => port.postMessage(m));
  } else {
    const times: number[] = [];
    let start = 0;
    port.on('message', () => {
      times.push((performance.now() - start) * 1000);
      if (times.length === count) {
        parentPort?.postMessage(times);
        port.close();
        return;
      }
      start = performance.now();
      port.postMessage(times.length);
    });
    start = performance.now();
    port.postMessage(0);
  }
} else {
  const channel = new Channel<Ping, Ping>({
    name: `bench-${role}`,
    requests: { ping: (n) => n },
    events: {},
    onProblem: (e) => {
      throw e;
    },
  });
  channel.attach(port);
  if (role === 'driver') {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await channel.request('ping', i);
      times.push((performance.now() - start) * 1000);
    }
    parentPort?.postMessage(times);
    channel.close();
  }
}
