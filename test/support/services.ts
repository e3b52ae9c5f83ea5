import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ROOT } from './environment.js';
import { waitFor } from './wait.js';

export type ServiceName = 'producer' | 'consumer' | 'gateway';

/** A real service process started from its built entry point, as `make dev` starts it. */
export class ServiceProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  stderr = '';
  #exit: Promise<number | null>;
  port = 0;

  constructor(
    readonly name: ServiceName,
    readonly child: ChildProcess,
    logFile: string,
  ) {
    // Written synchronously: a test process that exits once its tests are done (--test-force-exit)
    // would lose what a write stream still held, and a failed start's log is the one to read.
    let log: number | undefined = openSync(logFile, 'a');
    const write = (text: Buffer) => {
      if (log !== undefined) writeSync(log, text);
    };
    child.once('close', () => {
      if (log !== undefined) closeSync(log);
      log = undefined;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      write(chunk);
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      write(Buffer.from(`${line}\n`));
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a JSON log line.
      }
    });
    this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  exited(): Promise<number | null> {
    return this.#exit;
  }

  /** Sends `signal` and waits for the exit; resolves with the exit code (null when killed by a signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.#exit;
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `${this.name} to be ready`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited with ${this.child.exitCode}`);
        const response = await fetch(`${this.url}/readyz`);
        return response.status === 200 ? true : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }
}

let started = 0;

/** Starts a service on a free port and waits until it listens (and, unless told, until it is ready). */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  { waitReady = true, logName = name }: { waitReady?: boolean; logName?: string } = {},
): Promise<ServiceProcess> {
  mkdirSync(`${ROOT}test-results/logs`, { recursive: true });
  started += 1;
  const child = spawn(process.execPath, [`${ROOT}services/${name}/dist/main.js`], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new ServiceProcess(name, child, `${ROOT}test-results/logs/${process.pid}-${started}-${logName}.log`);
  try {
    service.port = await waitFor(
      `${name} to listen`,
      () => {
        if (!service.running) throw new Error(`${name} exited with ${child.exitCode}: ${service.stderr.trim()}`);
        const line = service.lines.find((entry) => entry['event'] === 'listening');
        return typeof line?.['port'] === 'number' ? line['port'] : undefined;
      },
      // A Nest service starts in 1-2 s; a machine busy with a second broker starting can take far longer.
      { timeoutMs: 60_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      const printed = service.lines.length === 0 ? 'nothing on stdout' : `last: ${JSON.stringify(service.lines.at(-1))}`;
      throw new Error(`${error instanceof Error ? error.message : String(error)} (${printed}; stderr: ${service.stderr.trim() || 'empty'})`, { cause: error });
    });
    if (waitReady) await service.waitReady();
  } catch (error) {
    // The caller never gets hold of a service that did not start: stop it here, not leak it.
    await service.stop('SIGKILL');
    throw error;
  }
  return service;
}
