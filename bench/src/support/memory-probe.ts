/**
 * Preloaded (`node --expose-gc --import …/memory-probe.js`) into every process the harness
 * measures, Flowcast's services and the baselines alike, so that their memory is read the
 * same way without touching their code. It answers the harness over the IPC channel:
 *
 * - `{ probe: 'memory', gc }`: memory now, after two full collections when `gc` (heap per
 *   connection compares live heaps, not garbage), and the peaks since the last reset;
 * - `{ probe: 'reset-peak' }`: starts a new peak window.
 *
 * Every reply also carries the CPU time the process has used so far (user and system), so that
 * a scenario can say what each message cost the process, a figure a busy machine moves far
 * less than a rate.
 *
 * Peaks come from sampling every 10 ms, from the first `reset-peak` on: only the scenarios that
 * report peaks ask for them, and sampling always cost every process 100 wake-ups a second (1.2 %
 * of a worker's busy time at 500 messages a second in a profile, six processes in the
 * end-to-end scenario), measured along with what the scenario measured.
 */
import { cpuUsage, memoryUsage } from 'node:process';

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  peakRss: number;
  peakHeapUsed: number;
}

export type ProbeRequest = { probe: 'memory'; gc: boolean; id: number } | { probe: 'reset-peak'; id: number };
export interface ProbeReply {
  probe: 'reply';
  id: number;
  memory: MemoryReading;
  /** User and system CPU time since the process started, in microseconds. */
  cpuMicros: number;
}

const SAMPLE_EVERY_MS = 10;

if (process.send !== undefined) {
  let peakRss = 0;
  let peakHeapUsed = 0;
  const sample = () => {
    const usage = memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
    return usage;
  };
  let sampling: NodeJS.Timeout | undefined;

  process.on('message', (message: unknown) => {
    if (typeof message !== 'object' || message === null || !('probe' in message)) return;
    const request = message as ProbeRequest;
    if (request.probe === 'reset-peak') {
      peakRss = 0;
      peakHeapUsed = 0;
      sampling ??= setInterval(sample, SAMPLE_EVERY_MS).unref();
    } else {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (request.gc && collect !== undefined) {
        collect();
        collect();
      }
    }
    const usage = sample();
    const cpu = cpuUsage();
    const reply: ProbeReply = {
      probe: 'reply',
      id: request.id,
      memory: { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, peakRss, peakHeapUsed },
      cpuMicros: cpu.user + cpu.system,
    };
    process.send!(reply);
  });
  // The channel stays referenced: every measured process is stopped by the harness, and
  // unreferencing it here would also let a baseline that waits for IPC requests exit early.
}
