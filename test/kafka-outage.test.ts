import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DedicatedBroker, dedicatedBrokerPort } from './support/broker.js';
import { order, postCsv, postJson, ordersCsv } from './support/http.js';
import { startService, type ServiceProcess } from './support/services.js';
import { waitFor } from './support/wait.js';

describe('with the broker stopped', () => {
  const broker = new DedicatedBroker(dedicatedBrokerPort(0));
  let producer: ServiceProcess;

  before(async () => {
    await broker.start();
    producer = await startService('producer', { KAFKA_BROKERS: broker.brokers, KAFKA_SEND_TIMEOUT_MS: '3000', RETRY_AFTER_SECONDS: '7' }, { logName: 'outage-producer' });
    const first = await postJson(`${producer.url}/producers/send/single`, order());
    assert.equal(first.status, 202, 'accepted while the broker is up');
    // Regression: a new cluster's transaction coordinator answers NOT_COORDINATOR at first;
    // the first upload must wait for it rather than fail with a 500.
    const upload = await postCsv(`${producer.url}/producers/upload/csv`, ordersCsv(150));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const second = await postCsv(`${producer.url}/producers/upload/csv`, ordersCsv(150));
    assert.equal(second.status, 202, 'the upload producer is reusable');
    await broker.stop();
  });
  after(async () => {
    await producer?.stop('SIGKILL');
    await broker.remove();
  });

  it('answers a single message with 503 and Retry-After, within a few seconds', async () => {
    const started = performance.now();
    const response = await postJson(`${producer.url}/producers/send/single`, order());
    const elapsed = performance.now() - started;
    assert.equal(response.status, 503, JSON.stringify(response.body));
    assert.equal(response.body['code'], 'KAFKA_UNAVAILABLE');
    assert.equal(response.headers.get('retry-after'), '7');
    assert.ok(elapsed < 5_000, `answered after ${Math.round(elapsed)} ms`);
    // The message's logId, with which a client can ask the gateway whether it arrived after all.
    const { logId, retryAfterSeconds } = response.body['details'] as { logId?: string; retryAfterSeconds?: number };
    assert.match(logId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(retryAfterSeconds, 7);
  });

  it('answers a CSV upload with 503 too, quickly', async () => {
    const started = performance.now();
    const response = await postCsv(`${producer.url}/producers/upload/csv`, ordersCsv(250));
    assert.equal(response.status, 503, JSON.stringify(response.body));
    assert.equal(response.headers.get('retry-after'), '7');
    assert.ok(performance.now() - started < 5_000);
  });

  it('reports not ready, and accepts again by itself once the broker is back', async () => {
    const ready = await fetch(`${producer.url}/readyz`);
    assert.equal(ready.status, 503);
    await broker.start();
    await waitFor('the producer to accept again', async () => {
      const response = await postJson(`${producer.url}/producers/send/single`, order());
      return response.status === 202 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
  });
});
