import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getJson, order, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { startService } from './support/services.js';
import { waitFor } from './support/wait.js';

describe('service lifecycle', () => {
  let pipeline: Pipeline;

  before(async () => {
    pipeline = await Pipeline.start({ consumers: 1 });
  });
  after(() => pipeline?.stop());

  it('a worker stopped with SIGTERM under load exits 0 in time, and another finishes every message once', async () => {
    const logIds: string[] = [];
    const sending = (async () => {
      for (let index = 0; index < 300; index += 1) {
        const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order({ orderNumber: `ORD-${index}` }));
        assert.equal(accepted.status, 202);
        logIds.push(String(accepted.body['logId']));
      }
    })();
    await waitFor('some progress', async () => ((await getJson(`${pipeline.gatewayUrl()}/api/stats`)).body['processedMessages'] as number) > 20 || undefined);
    const worker = pipeline.consumers[0]!;
    const stopping = performance.now();
    const code = await worker.stop('SIGTERM');
    const tookMs = performance.now() - stopping;
    assert.equal(code, 0);
    assert.ok(tookMs < 10_000, `stopped in ${Math.round(tookMs)} ms`);
    assert.ok(worker.lines.some((line) => line['msg'] === 'stopped'));
    await pipeline.addConsumer();
    await sending;
    const stats = await waitFor('all 300 finished', async () => {
      const { body } = await getJson(`${pipeline.gatewayUrl()}/api/stats`);
      return body['processedMessages'] === 300 ? body : undefined;
    }, { timeoutMs: 40_000 });
    assert.equal(stats['totalMessages'], 300, 'each message counted once');
    assert.equal(stats['processingMessages'], 0);
    for (const logId of logIds.slice(0, 20)) assert.equal((await getJson(`${pipeline.gatewayUrl()}/api/logs/${logId}`)).body['status'], 'PROCESSED');
  });

  it('a service with a bad variable refuses to start and names it', async () => {
    await assert.rejects(
      startService('producer', { PORT: 'eighty', CSV_BATCH_SIZE: '0' }, { logName: 'bad-config' }),
      (error: Error) => {
        assert.match(error.message, /exited with 1/);
        assert.match(error.message, /PORT: must be a port number \(got \\"eighty\\"\)/);
        assert.match(error.message, /CSV_BATCH_SIZE: must be at least 1/);
        return true;
      },
    );
  });

  it('every service answers /healthz, /readyz and /metrics', async () => {
    for (const service of [pipeline.producer!, pipeline.consumers.at(-1)!, pipeline.gateways[0]!]) {
      assert.deepEqual((await getJson(`${service.url}/healthz`)).body, { status: 'ok' });
      const ready = await getJson(`${service.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(ready.body['status'], 'ready');
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(metrics, /flowcast_process_cpu_user_seconds_total/);
    }
  });
});
