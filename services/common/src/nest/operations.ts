import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { LOGGER, type Logger } from './logging.js';

/** Something the service needs to do its job; `check` rejects while it is unreachable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * A readiness failure whose message may be shown in `/readyz` (it names no address and no
 * credential, e.g. "topics missing: messages"). Any other failure shows as "unavailable"; its
 * message, which may name a broker's or Redis' address, goes to the log only.
 */
export class ReadinessProblem extends Error {
  override readonly name = 'ReadinessProblem';
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

/**
 * `/healthz` (the process runs), `/readyz` (its dependencies answer) and `/metrics`. They need no
 * credentials: probes and Prometheus call them, and they carry no user data.
 */
@Controller()
export class OperationsController {
  /** Each check's last outcome, so that a failure is logged when it starts, not at every probe. */
  readonly #last = new Map<string, string>();

  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly shutdown: ShutdownState,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const results = await Promise.all(
      this.checks.map(async (dependency) => [dependency.name, await this.#run(dependency)] as const),
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

  async #run(dependency: ReadinessCheck): Promise<string> {
    const outcome = await runCheck(dependency);
    const shown = outcome === 'ok' ? 'ok' : outcome instanceof ReadinessProblem ? outcome.message : 'unavailable';
    if (this.#last.get(dependency.name) !== shown) {
      this.#last.set(dependency.name, shown);
      if (outcome === 'ok') this.logger.info({ dependency: dependency.name }, 'dependency ready');
      else this.logger.warn({ dependency: dependency.name, err: outcome }, `not ready: ${dependency.name} ${shown}`);
    }
    return shown;
  }
}

async function runCheck(dependency: ReadinessCheck): Promise<'ok' | Error> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dependency.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ReadinessProblem(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}
