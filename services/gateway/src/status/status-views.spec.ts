import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { LifecycleEvent } from '@flowcast/common/contracts';
import { MemoryStatusView } from './memory-status-view.js';
import { RedisStatusView } from './redis-status-view.js';
import type { StatusView } from './status-view.js';

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

function events(logId: string, options: { uploadId?: string; rows?: number; totals?: { batchCount: number; rowCount: number } } = {}) {
  const base = {
    logId,
    dataType: options.uploadId === undefined ? ('SINGLE_MESSAGE' as const) : ('CSV_BATCH' as const),
    consumerId: 'worker-1',
    producedAt: at(0),
    rowCount: options.rows ?? 1,
    ...(options.uploadId === undefined ? {} : { uploadId: options.uploadId }),
  };
  return {
    received: { type: 'message-received', ...base, timestamp: at(1), ...(options.totals ? { uploadTotals: options.totals } : {}) } as LifecycleEvent,
    started: { type: 'processing-started', ...base, timestamp: at(2) } as LifecycleEvent,
    completed: { type: 'processing-completed', ...base, timestamp: at(3), durationMs: 1, attempts: 1 } as LifecycleEvent,
    failed: { type: 'processing-failed', ...base, timestamp: at(3), durationMs: 1, attempts: 1, error: 'row 2, price: must not be negative', errorCode: 'INVALID_RECORD' } as LifecycleEvent,
  };
}

/** The rules both status views must follow; each case runs against memory and, when available, real Redis. */
function contract(name: string, create: () => StatusView) {
  describe(`${name} status view`, () => {
    it('records a message’s steps and counts it once', async () => {
      const view = create();
      const logId = randomUUID();
      const { received, started, completed } = events(logId);
      assert.deepEqual(await view.apply([received, started, completed]), ['fresh', 'fresh', 'fresh']);
      const status = await view.log(logId);
      assert.equal(status?.status, 'PROCESSED');
      assert.equal(status?.consumerId, 'worker-1');
      assert.deepEqual(status?.history.map((step) => step.status), ['RECEIVED', 'PROCESSING', 'PROCESSED']);
      assert.deepEqual(await view.counters(), { totalMessages: 1, processingMessages: 0, processedMessages: 1, failedMessages: 0 });
      await view.close();
    });

    it('drops redelivered steps and anything after a terminal status', async () => {
      const view = create();
      const logId = randomUUID();
      const { received, started, completed, failed } = events(logId);
      assert.deepEqual(await view.apply([received, started, received, started, completed, failed, completed]), ['fresh', 'fresh', 'duplicate', 'duplicate', 'fresh', 'duplicate', 'duplicate']);
      const status = await view.log(logId);
      assert.equal(status?.status, 'PROCESSED');
      assert.equal(status?.history.length, 3);
      assert.deepEqual(await view.counters(), { totalMessages: 1, processingMessages: 0, processedMessages: 1, failedMessages: 0 });
      await view.close();
    });

    it('sends again, once, a step whose broadcast was never confirmed, and counts it once', async () => {
      const view = create();
      const logId = randomUUID();
      const { received, started, completed } = events(logId);
      assert.deepEqual(await view.apply([received, started]), ['fresh', 'fresh']);
      await view.confirmBroadcast([received]);
      // The replica died before confirming `started`: another one gets the batch again.
      assert.deepEqual(await view.apply([received, started, started, completed]), ['duplicate', 'fresh', 'duplicate', 'fresh']);
      await view.confirmBroadcast([started, completed]);
      assert.deepEqual(await view.apply([received, started, completed]), ['duplicate', 'duplicate', 'duplicate']);
      assert.equal((await view.log(logId))?.history.length, 3);
      assert.deepEqual(await view.counters(), { totalMessages: 1, processingMessages: 0, processedMessages: 1, failedMessages: 0 });
      await view.close();
    });

    it('tracks upload progress from batches, rows and the last batch’s totals', async () => {
      const view = create();
      const uploadId = randomUUID();
      const first = events(randomUUID(), { uploadId, rows: 100 });
      const last = events(randomUUID(), { uploadId, rows: 50, totals: { batchCount: 2, rowCount: 150 } });
      await view.apply([first.received, first.started, first.completed]);
      let progress = await view.upload(uploadId);
      assert.equal(progress?.status, 'IN_PROGRESS');
      assert.equal(progress?.totalRows, null);
      assert.ok(progress!.progress < 100, 'never 100 % before the totals are known');
      await view.apply([last.received, last.started, last.failed]);
      progress = await view.upload(uploadId);
      assert.deepEqual(
        { ...progress, updatedAt: undefined },
        {
          uploadId,
          status: 'COMPLETED_WITH_FAILURES',
          totalBatches: 2,
          totalRows: 150,
          receivedBatches: 2,
          processedBatches: 1,
          failedBatches: 1,
          processedRows: 100,
          failedRows: 50,
          progress: 100,
          updatedAt: undefined,
        },
      );
      const failedLog = await view.log(last.failed.logId);
      assert.equal(failedLog?.error, 'row 2, price: must not be negative');
      assert.equal(failedLog?.errorCode, 'INVALID_RECORD');
      assert.equal(failedLog?.uploadId, uploadId);
      await view.close();
    });

    it('applies a batch of many messages in order, their redeliveries included', async () => {
      const view = create();
      const messages = Array.from({ length: 130 }, () => events(randomUUID()));
      const batch = messages.flatMap(({ received, started, completed }, index) => (index % 2 === 0 ? [received, started, completed] : [received, started]));
      // The first ten again, as a successor would read them: nothing new.
      const redelivered = batch.slice(0, 10);
      const applied = await view.apply([...batch, ...redelivered]);
      assert.deepEqual(applied, [...batch.map(() => 'fresh'), ...redelivered.map(() => 'duplicate')]);
      assert.equal((await view.log(messages[0]!.received.logId))?.status, 'PROCESSED');
      assert.equal((await view.log(messages[129]!.received.logId))?.status, 'PROCESSING');
      assert.deepEqual(await view.counters(), { totalMessages: 130, processingMessages: 65, processedMessages: 65, failedMessages: 0 });
      await view.close();
    });

    it('knows nothing of unseen ids', async () => {
      const view = create();
      assert.equal(await view.log(randomUUID()), undefined);
      assert.equal(await view.upload(randomUUID()), undefined);
      await view.close();
    });
  });
}

contract('memory', () => new MemoryStatusView(3600));

const redisUrl = process.env['FLOWCAST_TEST_REDIS_URL'];
if (redisUrl === undefined) {
  describe('redis status view', () => {
    it('needs FLOWCAST_TEST_REDIS_URL (make test sets it)', { skip: 'no Redis configured' }, () => undefined);
  });
} else {
  const clients: Redis[] = [];
  after(async () => {
    for (const client of clients) {
      const keys = await client.keys('spec-*');
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    }
  });
  const redisView = () => {
    const client = new Redis(redisUrl);
    clients.push(client);
    const prefix = `spec-${randomUUID()}:`;
    return { client, view: new RedisStatusView(client, prefix, 3600), outlet: { key: `${prefix}socket.io`, maxLen: 1000, entryOf: (event: LifecycleEvent) => ['type', event.type, 'logId', event.logId] } };
  };
  contract('redis', () => redisView().view);

  describe('redis status view with the adapter’s stream', () => {
    const entries = async (client: Redis, key: string) => (await client.xrange(key, '-', '+')).map(([, fields]) => fields);

    it('appends each new event to the stream in the step that records it, and counts it sent', async () => {
      const { client, view, outlet } = redisView();
      const logId = randomUUID();
      const { received, started, completed } = events(logId);
      assert.deepEqual(await view.apply([received, started, received], outlet), ['published', 'published', 'duplicate']);
      // No confirmation: a replica that gets the batch again sends nothing twice.
      assert.deepEqual(await view.apply([received, started, completed], outlet), ['duplicate', 'duplicate', 'published']);
      assert.deepEqual(await entries(client, outlet.key), [
        ['type', 'message-received', 'logId', logId],
        ['type', 'processing-started', 'logId', logId],
        ['type', 'processing-completed', 'logId', logId],
      ]);
      assert.equal((await view.log(logId))?.status, 'PROCESSED');
    });

    it('publishes, once, a step recorded by a gateway that never confirmed its broadcast', async () => {
      const { client, view, outlet } = redisView();
      const { received } = events(randomUUID());
      assert.deepEqual(await view.apply([received]), ['fresh']);
      assert.deepEqual(await view.apply([received], outlet), ['published']);
      assert.deepEqual(await view.apply([received], outlet), ['duplicate']);
      assert.equal((await entries(client, outlet.key)).length, 1);
      assert.deepEqual(await view.counters(), { totalMessages: 1, processingMessages: 1, processedMessages: 0, failedMessages: 0 });
    });
  });
}
