import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { MemoryReading, ProbeReply, ProbeRequest } from './memory-probe.js';

const PROBE = pathToFileURL(new URL('./memory-probe.js', import.meta.url).pathname).href;
const running = new Set<ChildProcess>();
const MAX_KEPT_MESSAGES = 1_000;

/** Kills every child still running when the harness exits, however it exits. */
export function killChildrenOnExit(): void {
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface StartOptions {
  /** Extra environment on top of the harness's. */
  env?: Record<string, string>;
  /** Node's own flags, before the script. */
  nodeFlags?: string[];
  args?: string[];
  /** The process's stdout and stderr go here. */
  logFile: string;
  /** Resolves with the port the process listens on; undefined for processes that do not listen. */
  listens?: boolean;
}

/**
 * A Node process the harness starts and measures: a Flowcast service or a baseline, with the
 * memory probe preloaded and an IPC channel. A process announces its port either as a JSON log
 * line `{"event":"listening","port":…}` (the services) or as an IPC message
 * `{ type: 'listening', port }` (the baselines).
 */
export class MeasuredProcess {
  port = 0;
  readonly #messages: Array<Record<string, unknown>> = [];
  readonly #waiters = new Set<() => void>();
  readonly #exit: Promise<number | null>;
  readonly #log: WriteStream;
  #nextProbeId = 0;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile: string,
  ) {
    this.#log = createWriteStream(logFile, { flags: 'a' });
    child.stderr!.pipe(this.#log, { end: false });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.#log.write(`${line}\n`);
      if (!line.startsWith('{')) return;
      try {
        this.#push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a JSON log line.
      }
    });
    child.on('message', (message) => {
      if (typeof message === 'object' && message !== null) this.#push(message as Record<string, unknown>);
    });
    this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.#exit.then(() => {
      running.delete(child);
      this.#wake();
    });
  }

  static async start(name: string, script: string, options: StartOptions): Promise<MeasuredProcess> {
    mkdirSync(dirname(options.logFile), { recursive: true });
    const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, ...(options.nodeFlags ?? []), script, ...(options.args ?? [])], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    running.add(child);
    const started = new MeasuredProcess(name, child, options.logFile);
    if (options.listens ?? true) {
      const announced = await started.waitFor(
        (message) => (message['event'] === 'listening' || message['type'] === 'listening') && typeof message['port'] === 'number',
        30_000,
        'to listen',
      );
      started.port = announced['port'] as number;
    }
    return started;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first message (IPC or JSON log line) matching `predicate`, past or future. */
  async waitFor(predicate: (message: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#messages.findIndex(predicate);
      if (index !== -1) return this.#messages.splice(index, 1)[0]!;
      if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) while waiting ${what}; see its log`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  send(message: Record<string, unknown>): void {
    if (!this.child.connected) throw new Error(`${this.name} has exited (${this.child.exitCode ?? this.child.signalCode}); see its log`);
    this.child.send(message);
  }

  /** Sends `message` with a fresh `id` and waits for the reply carrying the same id. */
  async request(message: Record<string, unknown>, timeoutMs = 600_000): Promise<Record<string, unknown>> {
    const id = this.#nextProbeId++;
    this.send({ ...message, id });
    return this.waitFor((reply) => reply['type'] === 'reply' && reply['id'] === id, timeoutMs, `for the answer to ${String(message['type'])}`);
  }

  async memory(gc = false): Promise<MemoryReading> {
    return (await this.#probe({ probe: 'memory', gc, id: this.#nextProbeId++ })).memory;
  }

  async resetPeak(): Promise<MemoryReading> {
    return (await this.#probe({ probe: 'reset-peak', id: this.#nextProbeId++ })).memory;
  }

  /** CPU time (user and system) the process has used since it started, in seconds. */
  async cpuSeconds(): Promise<number> {
    return (await this.#probe({ probe: 'memory', gc: false, id: this.#nextProbeId++ })).cpuMicros / 1e6;
  }

  /** Polls GET /readyz until it answers 200. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready; see its log`);
      const status = await fetch(`${this.url}/readyz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) return;
      await sleep(200);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<void> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.#exit;
    clearTimeout(timer);
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }

  async #probe(request: ProbeRequest): Promise<ProbeReply> {
    this.send(request);
    return (await this.waitFor((message) => message['probe'] === 'reply' && message['id'] === request.id, 30_000, 'for the memory probe')) as unknown as ProbeReply;
  }

  #push(message: Record<string, unknown>): void {
    this.#messages.push(message);
    // Only recent messages are waited for; a long run's log lines must not pile up.
    if (this.#messages.length > MAX_KEPT_MESSAGES) this.#messages.splice(0, this.#messages.length - MAX_KEPT_MESSAGES);
    this.#wake();
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
