import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ordersCsv, postCsv } from './support/http.js';
import { committedOffsets, endOffsets } from './support/kafka.js';
import { statsOf } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { waitFor } from './support/wait.js';

describe("the workers' committed offsets", () => {
  let pipeline: Pipeline;

  before(async () => {
    pipeline = await Pipeline.start({ env: { CONSUMER_LAG_INTERVAL_MS: '500', CSV_BATCH_SIZE: '10' } });
  });
  after(() => pipeline?.stop());

  it('reach the end of messages once uploads are processed, past their transaction markers: lag 0 for KEDA and exporters', async () => {
    for (let upload = 0; upload < 3; upload += 1) {
      const accepted = await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(95));
      assert.equal(accepted.status, 202);
    }
    await waitFor('30 batches processed', async () => ((await statsOf(pipeline.gatewayUrl()))['processedMessages'] === 30 ? true : undefined));
    const ends = await endOffsets(pipeline.topics.messages);
    assert.ok(ends.reduce((sum, end) => sum + end, 0n) > 30n, 'the uploads left transaction markers after their records');
    const committed = await waitFor('the committed offsets to reach the end', async () => {
      const offsets = await committedOffsets(`${pipeline.id}-workers`, pipeline.topics.messages);
      return offsets.every((offset, partition) => offset === ends[partition] || (ends[partition] === 0n && offset === -1n)) ? offsets : undefined;
    }, { timeoutMs: 10_000, intervalMs: 250 });
    assert.deepEqual(committed.map(String), ends.map((end) => (end === 0n ? '-1' : String(end))));
  });
});
