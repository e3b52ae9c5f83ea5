import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DedicatedBroker, SCRAM_USER, dedicatedBrokerPort } from './support/broker.js';
import { getJson, order, ordersCsv, postCsv, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { startService, type ServiceProcess } from './support/services.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

/**
 * The three services against a broker that takes SASL/SCRAM-SHA-512 clients only: over TLS
 * (SASL_SSL, a certificate signed by a CA of the test's own) and in plain text (SASL_PLAINTEXT).
 */
describe('Kafka with SASL/SCRAM-SHA-512 and TLS', () => {
  const broker = new DedicatedBroker(dedicatedBrokerPort(8), { security: 'scram' });
  let pipeline: Pipeline;
  let socket: TestSocket;
  let log: EventLog;
  const refused: ServiceProcess[] = [];

  const scram = (overrides: Record<string, string> = {}) => ({
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: SCRAM_USER.username,
    KAFKA_SASL_PASSWORD: SCRAM_USER.password,
    ...overrides,
  });

  before(async () => {
    await broker.start();
    pipeline = await Pipeline.start({
      env: { KAFKA_BROKERS: broker.tlsBrokers, KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: broker.caFile, ...scram() },
    });
    ({ socket, log } = await connectClient(pipeline.gatewayUrl()));
  });
  after(async () => {
    socket?.close();
    await Promise.all(refused.map((service) => service.stop('SIGKILL')));
    await pipeline?.stop();
    await broker.remove();
  });

  it('runs producer, consumer and gateway over SASL_SSL: a message and an upload are processed', async () => {
    const single = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
    assert.equal(single.status, 202, JSON.stringify(single.body));
    const upload = await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(250));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const logIds = [String(single.body['logId']), ...(upload.body['logIds'] as string[])];
    await log.waitFor('every message processed', (event) => event.name === 'processing-completed' && logIds.includes(String(event.payload['logId'])), logIds.length);
    assert.equal(log.named('processing-completed').length, 4, 'one single message and three batches, once each');
  });

  it('takes a producer over SASL_PLAINTEXT on the same broker too', async () => {
    const plain = await startService('producer', pipeline.env({ KAFKA_BROKERS: broker.brokers, KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: '' }), { logName: 'scram-plain-producer' });
    refused.push(plain);
    const accepted = await postJson(`${plain.url}/producers/send/single`, order());
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    await log.waitFor('its processing-completed', (event) => event.name === 'processing-completed' && event.payload['logId'] === accepted.body['logId']);
  });

  it('refuses a wrong password clearly: readiness and the log say SASL authentication failed, a send gets 503', async () => {
    const wrong = await startService('producer', pipeline.env(scram({ KAFKA_SASL_PASSWORD: 'not-the-password', KAFKA_SEND_TIMEOUT_MS: '2000' })), {
      waitReady: false,
      logName: 'scram-wrong-password',
    });
    refused.push(wrong);
    const ready = await waitFor('readiness to name the refusal', async () => {
      const answer = await getJson(`${wrong.url}/readyz`);
      return answer.status === 503 && String((answer.body['checks'] as Record<string, string>)['kafka']).startsWith('SASL') ? answer : undefined;
    });
    assert.match(String((ready.body['checks'] as Record<string, string>)['kafka']), /SASL authentication failed: the brokers refused KAFKA_SASL_USERNAME/);
    const send = await postJson(`${wrong.url}/producers/send/single`, order());
    assert.equal(send.status, 503);
    assert.equal(send.body['code'], 'KAFKA_UNAVAILABLE');
    for (const body of [ready.body, send.body]) assert.doesNotMatch(JSON.stringify(body), /localhost|127\.0\.0\.1|:\d{4,5}\b/, 'no broker address in a response');
    await waitFor('the log to say why', () => wrong.lines.some((line) => line['level'] === 'error' && /SASL authentication failed/.test(String(line['msg']))) || undefined);
  });

  it('refuses a broker certificate it cannot trust (no KAFKA_TLS_CA_FILE), saying so', async () => {
    const untrusting = await startService('producer', pipeline.env({ KAFKA_TLS_CA_FILE: '' }), { waitReady: false, logName: 'scram-no-ca' });
    refused.push(untrusting);
    const ready = await waitFor('readiness to name the certificate', async () => {
      const answer = await getJson(`${untrusting.url}/readyz`);
      return String((answer.body['checks'] as Record<string, string>)['kafka']).startsWith('TLS') ? answer : undefined;
    });
    assert.equal(ready.status, 503);
    assert.match(String((ready.body['checks'] as Record<string, string>)['kafka']), /certificate is not trusted .*KAFKA_TLS_CA_FILE/);
  });
});
