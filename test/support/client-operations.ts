import { tracingChannel } from 'node:diagnostics_channel';

/**
 * Calls `started` as each operation of the Kafka client's tracing channel `name` (for example
 * `plt:kafka:producer:transactions`) starts, in this process, between `watch` and `unwatch`.
 */
export function operationsOf<Context extends object>(name: string, started: (context: Context) => void): { watch(): void; unwatch(): void } {
  const channel = tracingChannel<unknown, Context>(name);
  const ignored = (): void => undefined;
  const subscribers = { start: started, end: ignored, asyncStart: ignored, asyncEnd: ignored, error: ignored };
  return {
    watch: () => channel.subscribe(subscribers),
    unwatch: () => channel.unsubscribe(subscribers),
  };
}
