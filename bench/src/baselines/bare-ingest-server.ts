/**
 * Baseline of the ingest scenario: the simplest server doing the producer's Kafka write. A bare
 * Fastify handler (no Nest, no schema, no error filter, no deadline) wraps the JSON body in the
 * same envelope and writes it with the same client and settings as Flowcast's single-message
 * producer (@platformatic/kafka, acks=all, idempotent, and the same batching: the messages of
 * one turn of the event loop in one request, sent when the turn ends), then answers 202.
 * Environment: KAFKA_BROKERS, TOPIC. Announces `{ type: 'listening', port }` over IPC.
 */
import { randomUUID } from 'node:crypto';
import type { MessageToProduce } from '@platformatic/kafka';
import Fastify from 'fastify';
import { baselineProducer } from './producer.js';

const topic = process.env['TOPIC'] ?? 'messages';
// The retries of Flowcast's single-message producer (IngestPublisher).
const producer = baselineProducer('bench-bare-ingest', { retries: 2, retryDelay: 250 });

type Message = MessageToProduce<string, Buffer, string, string>;
let turn: Array<{ message: Message; resolve: () => void; reject: (error: unknown) => void }> = [];

function sendInTurn(message: Message): Promise<void> {
  return new Promise((resolve, reject) => {
    if (turn.length === 0) setImmediate(sendTurn);
    turn.push({ message, resolve, reject });
  });
}

function sendTurn(): void {
  const batch = turn;
  turn = [];
  producer.send({ messages: batch.map(({ message }) => message) }).then(
    () => batch.forEach(({ resolve }) => resolve()),
    (error: unknown) => batch.forEach(({ reject }) => reject(error)),
  );
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/producers/send/single', async (request, reply) => {
  const logId = randomUUID();
  const producedAt = new Date().toISOString();
  const envelope = { logId, producedAt, dataType: 'SINGLE_MESSAGE', records: [request.body] };
  await sendInTurn({ topic, key: logId, value: Buffer.from(JSON.stringify(envelope)) });
  return reply.code(202).send({ logId, dataType: 'SINGLE_MESSAGE', acceptedAt: producedAt });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ type: 'listening', port: Number(new URL(address).port) });
process.once('SIGTERM', () => {
  void Promise.allSettled([app.close(), producer.close()]).then(() => process.exit(0));
});
