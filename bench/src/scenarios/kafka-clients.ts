import type { KafkaClientsScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import type { MeasuredProcess } from '../support/processes.js';

const LIBRARIES = [
  { name: 'platformatic', label: '@platformatic/kafka' },
  { name: 'kafkajs', label: 'kafkajs' },
] as const;

/**
 * The Kafka client in use (@platformatic/kafka) against kafkajs, each in a process of its own:
 * produce the same records with the same settings, then consume the same topic. Runs alternate
 * between the two libraries.
 */
export async function kafkaClientsScenario(context: BenchContext): Promise<void> {
  const { profile, runs } = context.scenario<KafkaClientsScenario>('kafka-clients');
  const prefix = context.prefix('clients');
  const env = { KAFKA_BROKERS: context.config.kafkaBrokers.join(',') };
  const clients: MeasuredProcess[] = [];
  const rates = { produce: { platformatic: [] as number[], kafkajs: [] as number[] }, consume: { platformatic: [] as number[], kafkajs: [] as number[] } };
  const call = async (client: MeasuredProcess, request: Record<string, unknown>): Promise<number> => {
    const reply = await client.request(request);
    if (typeof reply['ms'] !== 'number') throw new Error(`${client.name}: ${String(reply['error'])}`);
    return profile.messages / (reply['ms'] / 1000);
  };
  try {
    for (const library of LIBRARIES) clients.push(await context.startBenchProcess('baselines/kafka-client.js', `clients-${library.name}`, { env, args: [library.name] }));
    for (let run = 0; run < runs; run += 1) {
      const topics = LIBRARIES.map((library) => `${prefix}.${library.name}.${run}`);
      await context.kafka.createTopics(topics.map((name) => ({ name, partitions: 6 })));
      for (const [index, library] of LIBRARIES.entries()) {
        rates.produce[library.name].push(await call(clients[index]!, { type: 'produce', topic: topics[index], messages: profile.messages, messageBytes: profile.messageBytes, batchSize: profile.batchSize }));
      }
      // Both read the same topic: the one the client in use wrote.
      for (const [index, library] of LIBRARIES.entries()) {
        rates.consume[library.name].push(await call(clients[index]!, { type: 'consume', topic: topics[0], groupId: `${prefix}-${library.name}-${run}`, messages: profile.messages }));
      }
    }
  } finally {
    await Promise.allSettled(clients.map((client) => client.stop()));
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
  for (const operation of ['produce', 'consume'] as const) {
    context.report.add({
      scenario: 'kafka-clients',
      case: `${operation} ${profile.messages.toLocaleString('en-US')} × ${profile.messageBytes} B`,
      measure: `${LIBRARIES[0].label}`,
      unit: 'msg/s',
      flowcast: rates[operation].platformatic,
      baseline: { name: LIBRARIES[1].label, runs: rates[operation].kafkajs },
    });
  }
}
