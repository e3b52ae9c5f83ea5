import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './environment.js';
import type { ServiceProcess } from './services.js';
import { waitFor } from './wait.js';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A free TCP port on the loopback interface, for a process that cannot report the one it got. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real Prometheus (the system package) of a test's own: scrapes every second the services it
 * is told about, as jobs flowcast-producer, flowcast-consumer and flowcast-gateway, and
 * evaluates the project's rule files every second.
 */
export class TestPrometheus {
  #exit: Promise<number | null>;

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(): Promise<TestPrometheus> {
    const dir = await mkdtemp(join(tmpdir(), 'flowcast-prometheus-'));
    const jobs = ['producer', 'consumer', 'gateway'].map((service) => ({
      job_name: `flowcast-${service}`,
      scrape_interval: '1s',
      scrape_timeout: '1s',
      file_sd_configs: [{ files: [join(dir, `${service}.json`)], refresh_interval: '1s' }],
    }));
    for (const service of ['producer', 'consumer', 'gateway']) await writeFile(join(dir, `${service}.json`), '[]');
    // JSON is YAML: Prometheus reads it as it is.
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(ROOT, 'observability/prometheus/rules/*.yaml')],
      scrape_configs: jobs,
    };
    await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const port = await freePort();
    mkdirSync(`${ROOT}test-results/logs`, { recursive: true });
    const log = createWriteStream(`${ROOT}test-results/logs/${process.pid}-prometheus.log`, { flags: 'a' });
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const prometheus = new TestPrometheus(`http://127.0.0.1:${port}`, child, dir);
    child.once('error', () => undefined);
    await waitFor('Prometheus to be ready', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited with ${child.exitCode} (see test-results/logs)`);
      return (await fetch(`${prometheus.url}/-/ready`)).ok ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    return prometheus;
  }

  /** Scrapes these services from now on (file-based discovery picks the change up). */
  async scrape(services: readonly ServiceProcess[]): Promise<void> {
    for (const name of ['producer', 'consumer', 'gateway'] as const) {
      const targets = services.filter((service) => service.name === name && service.running).map((service) => `127.0.0.1:${service.port}`);
      await writeFile(join(this.dir, `${name}.json`), JSON.stringify([{ targets }]));
    }
  }

  /** An instant query; throws with Prometheus' own words when it refuses the expression. */
  async query(expr: string): Promise<Sample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] | [number, string] } };
    if (body.status !== 'success' || body.data === undefined) throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status}`);
    return body.data.resultType === 'scalar' ? [{ metric: {}, value: body.data.result as [number, string] }] : (body.data.result as Sample[]);
  }

  async value(expr: string): Promise<number | undefined> {
    const [sample] = await this.query(expr);
    return sample === undefined ? undefined : Number(sample.value[1]);
  }

  async rules(): Promise<Array<{ name: string; query: string; type: 'alerting' | 'recording'; health: string; lastError?: string; state?: string }>> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const body = (await response.json()) as { data: { groups: Array<{ rules: Array<{ name: string; query: string; type: 'alerting' | 'recording'; health: string; lastError?: string; state?: string }> }> } };
    return body.data.groups.flatMap((group) => group.rules);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.#exit;
    await rm(this.dir, { recursive: true, force: true });
  }
}
