import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { DATA_TYPES, type LifecycleEvent } from '@flowcast/common/contracts';
import { METRICS_REGISTRY } from '@flowcast/common/nest';

/** Upper bounds of the end-to-end latency buckets, in seconds; 5 s is the SLO's threshold. */
export const END_TO_END_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The gateway's figures besides broadcasts and clients (which the Broadcaster reports). */
@Injectable()
export class GatewayMetrics {
  readonly endToEnd: Histogram<'data_type' | 'outcome'>;
  readonly #prometheusFailures: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.endToEnd = new Histogram({
      name: 'flowcast_gateway_end_to_end_latency_seconds',
      help: 'From acceptance by the producer to the completion or failure broadcast by a gateway, by data type and outcome',
      labelNames: ['data_type', 'outcome'],
      buckets: END_TO_END_BUCKETS,
      registers: [registry],
    });
    this.#prometheusFailures = new Counter({
      name: 'flowcast_gateway_prometheus_query_failures_total',
      help: 'Statistics rounds in which Prometheus did not answer, so that local figures were sent',
      registers: [registry],
    });
    // From 0, so that rate() sees the first completions too.
    for (const dataType of DATA_TYPES) {
      for (const outcome of ['processed', 'failed']) this.endToEnd.zero({ data_type: dataType, outcome });
    }
  }

  /** Observes the end-to-end latency of a message whose final event was just broadcast. */
  finished(event: LifecycleEvent, now = Date.now()): void {
    if (event.type !== 'processing-completed' && event.type !== 'processing-failed') return;
    const seconds = Math.max(0, now - Date.parse(event.producedAt)) / 1000;
    this.endToEnd.observe({ data_type: event.dataType, outcome: event.type === 'processing-completed' ? 'processed' : 'failed' }, seconds);
  }

  prometheusFailed(): void {
    this.#prometheusFailures.inc();
  }
}
