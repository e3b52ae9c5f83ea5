import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
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
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      log.write(chunk);
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
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
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    if (waitReady) await service.waitReady();
  } catch (error) {
    // The caller never gets hold of a service that did not start: stop it here, not leak it.
    await service.stop('SIGKILL');
    throw error;
  }
  return service;
}
