/**
 * Baseline of the ingest scenario: the simplest server doing the producer's Kafka write. A bare
 * Fastify handler (no Nest, no schema, no error filter, no deadline) wraps the JSON body in the
 * same envelope and writes it with the same client and settings as Flowcast's single-message
 * producer (@platformatic/kafka, acks=all, idempotent, and the same batching, below), then
 * answers 202.
 *
 * With HTTP_EDGE=1 it also carries what Flowcast's producer adds to every answer by default, and
 * nothing else: the same security headers and CORS, the same request-duration histogram, and a
 * deadline timer per request. Run beside the plain one, it says what those cost apart from
 * everything else Flowcast does (Nest, validation, the envelope's checks, its own Kafka layer).
 * Environment: KAFKA_BROKERS, TOPIC, HTTP_EDGE. Announces `{ type: 'listening', port }` over IPC.
 */
import { randomUUID } from 'node:crypto';
import type { MessageToProduce } from '@platformatic/kafka';
import Fastify, { type FastifyInstance } from 'fastify';
import { API_CSP, createLogger, createMetricsRegistry, instrumentHttp, requestDeadline, useCors, useSecurityHeaders } from '@flowcast/common/nest';
import { baselineProducer } from './producer.js';

const topic = process.env['TOPIC'] ?? 'messages';
// The retries of Flowcast's single-message producer (IngestPublisher).
const producer = baselineProducer('bench-bare-ingest', { retries: 2, retryDelay: 250 });

type Message = MessageToProduce<string, Buffer, string, string>;
// Flowcast's batching (its producer's KAFKA_LINGER_MS, 5 ms by default): a message leaves at the
// end of its turn, or, while a request is in flight, with the others once that is answered,
// never later than the linger.
const LINGER_MS = 5;
let waiting: Array<{ message: Message; resolve: () => void; reject: (error: unknown) => void }> = [];
let inFlight = 0;
let linger: NodeJS.Timeout | undefined;

function sendSoon(message: Message): Promise<void> {
  return new Promise((resolve, reject) => {
    if (waiting.length === 0) {
      if (inFlight === 0) setImmediate(sendWaiting);
      else linger = setTimeout(sendWaiting, LINGER_MS);
    }
    waiting.push({ message, resolve, reject });
  });
}

function sendWaiting(): void {
  clearTimeout(linger);
  linger = undefined;
  if (waiting.length === 0) return;
  const batch = waiting;
  waiting = [];
  inFlight += 1;
  void producer
    .send({ messages: batch.map(({ message }) => message) })
    .then(
      () => batch.forEach(({ resolve }) => resolve()),
      (error: unknown) => batch.forEach(({ reject }) => reject(error)),
    )
    .finally(() => {
      inFlight -= 1;
      if (inFlight === 0 && linger !== undefined) sendWaiting();
    });
}

/**
 * The producer's edge with its defaults, through the same functions: CORS for any origin, its
 * security headers, the request histogram, the 5-minute deadline for a request to arrive.
 */
async function addFlowcastEdge(app: FastifyInstance): Promise<void> {
  await useCors(app, { origins: true, exposedHeaders: ['Retry-After'] });
  useSecurityHeaders(app, API_CSP);
  instrumentHttp(app, createMetricsRegistry('bare-ingest'));
  app.addHook('onRequest', requestDeadline(300_000, createLogger('bare-ingest', 'info')));
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
if (process.env['HTTP_EDGE'] === '1') await addFlowcastEdge(app);
app.post('/producers/send/single', async (request, reply) => {
  const logId = randomUUID();
  const producedAt = new Date().toISOString();
  const envelope = { logId, producedAt, dataType: 'SINGLE_MESSAGE', records: [request.body] };
  await sendSoon({ topic, key: logId, value: Buffer.from(JSON.stringify(envelope)) });
  return reply.code(202).send({ logId, dataType: 'SINGLE_MESSAGE', acceptedAt: producedAt });
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ type: 'listening', port: Number(new URL(address).port) });
process.once('SIGTERM', () => {
  void Promise.allSettled([app.close(), producer.close()]).then(() => process.exit(0));
});
