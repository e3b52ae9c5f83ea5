import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Something the service needs to do its job; `check` rejects while it is unreachable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('flowcast.readiness-checks');
export const METRICS_REGISTRY = Symbol('flowcast.metrics-registry');

const CHECK_TIMEOUT_MS = 2_000;

/** The process's Prometheus registry, with Node.js runtime metrics prefixed `flowcast_`. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'flowcast_' });
  return registry;
}

/** Whether the service is stopping: readiness fails first, so that traffic drains before shutdown. */
@Injectable()
export class ShutdownState {
  #stopping = false;
  get stopping(): boolean {
    return this.#stopping;
  }
  beginShutdown(): void {
    this.#stopping = true;
  }
}

/** `/healthz` (the process runs), `/readyz` (its dependencies answer) and `/metrics`. */
@Controller()
export class OperationsController {
  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const results = await Promise.all(
      this.checks.map(async (dependency) => [dependency.name, await runCheck(dependency)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = !this.shutdown.stopping && results.every(([, outcome]) => outcome === 'ok');
    await reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : this.shutdown.stopping ? 'stopping' : 'not-ready', checks });
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.type(this.registry.contentType).send(await this.registry.metrics());
  }
}

async function runCheck(dependency: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dependency.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
