import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONNECTION_SUCCESS_MESSAGE } from '@flowcast/common/contracts';
import { getJson, order, postJson } from './support/http.js';
import { partitionCount, readTopic } from './support/kafka.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function assertIsoTimestamp(value: unknown): void {
  assert.match(String(value), ISO_8601);
  assert.equal(new Date(String(value)).toISOString(), value);
}

describe('a single message through producer, consumer and gateway', () => {
  let pipeline: Pipeline;
  let socket: TestSocket;
  let log: EventLog;
  let logId: string;
  let invalidLogId: string;

  before(async () => {
    pipeline = await Pipeline.start();
    ({ socket, log } = await connectClient(pipeline.gatewayUrl()));
  });
  after(async () => {
    socket?.close();
    await pipeline?.stop();
  });

  it('greets the client with connection-success exactly as the reference shows', async () => {
    const [greeting] = await log.waitFor('connection-success', (event) => event.name === 'connection-success');
    assert.deepEqual(Object.keys(greeting!.payload).sort(), ['message', 'timestamp']);
    assert.equal(greeting!.payload['message'], CONNECTION_SUCCESS_MESSAGE);
    assertIsoTimestamp(greeting!.payload['timestamp']);
  });

  it('answers 202 with the logId once Kafka has the message', async () => {
    const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order({ quantity: 2, price: 9.99 }));
    assert.equal(accepted.status, 202);
    assert.equal(accepted.body['dataType'], 'SINGLE_MESSAGE');
    logId = String(accepted.body['logId']);
    assert.match(logId, /^[0-9a-f-]{36}$/);
  });

  it('delivers the four lifecycle events in order, with exactly the reference payload fields', async () => {
    await log.waitFor('the events of the message', (event) => event.payload['logId'] === logId, 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mine = log.forLog(logId);
    assert.deepEqual(
      mine.map((event) => event.name),
      ['message-received', 'processing-started', 'processing-completed'],
    );
    const [received, started, completed] = mine.map((event) => event.payload);
    assert.deepEqual(received, { logId, data: { dataType: 'SINGLE_MESSAGE' }, timestamp: received!['timestamp'] });
    assert.deepEqual(started, { logId, status: 'PROCESSING', timestamp: started!['timestamp'] });
    assert.deepEqual(completed, {
      logId,
      consumerId: `${pipeline.id}-consumer-1`,
      status: 'PROCESSED',
      timestamp: completed!['timestamp'],
    });
    const times = mine.map((event) => event.payload['timestamp']);
    times.forEach(assertIsoTimestamp);
    assert.deepEqual([...times].map(String).sort((a, b) => a.localeCompare(b)), times, 'timestamps follow the steps');
  });

  it('reports the message PROCESSED with the time of each step', async () => {
    const status = await getJson(`${pipeline.gatewayUrl()}/api/logs/${logId}`);
    assert.equal(status.status, 200);
    assert.equal(status.body['status'], 'PROCESSED');
    const history = status.body['history'] as Array<Record<string, unknown>>;
    assert.deepEqual(
      history.map((step) => [step['type'], step['status']]),
      [
        ['message-received', 'RECEIVED'],
        ['processing-started', 'PROCESSING'],
        ['processing-completed', 'PROCESSED'],
      ],
    );
    history.forEach((step) => assertIsoTimestamp(step['timestamp']));
  });

  it('writes the normalised order to orders.processed, keyed logId:row', async () => {
    const [record] = await readTopic(pipeline.topics.ordersProcessed, { expected: 1 });
    assert.equal(record?.key, `${logId}:1`);
    const value = JSON.parse(record!.value) as Record<string, unknown>;
    assert.equal(value['lineTotal'], 19.98);
    assert.equal(value['row'], 1);
    assert.equal(value['orderNumber'], 'ORD-1');
  });

  it('fails an invalid order with processing-failed whose error names the field', async () => {
    const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order({ quantity: 0 }));
    assert.equal(accepted.status, 202);
    invalidLogId = String(accepted.body['logId']);
    const [failed] = await log.waitFor('processing-failed', (event) => event.name === 'processing-failed' && event.payload['logId'] === invalidLogId);
    assert.deepEqual(Object.keys(failed!.payload).sort(), ['error', 'logId', 'status', 'timestamp']);
    assert.equal(failed!.payload['status'], 'FAILED');
    assert.match(String(failed!.payload['error']), /quantity/);
    const status = await getJson(`${pipeline.gatewayUrl()}/api/logs/${invalidLogId}`);
    assert.equal(status.body['status'], 'FAILED');
    assert.equal(status.body['errorCode'], 'INVALID_RECORD');
  });

  it('emits stats-updated with the counts, the live worker and the connected client', async () => {
    await log.waitFor(
      'stats with both messages',
      (event) =>
        event.name === 'stats-updated' &&
        event.payload['totalMessages'] === 2 &&
        event.payload['processedMessages'] === 1 &&
        event.payload['failedMessages'] === 1 &&
        event.payload['processingMessages'] === 0 &&
        event.payload['activeConsumers'] === 1 &&
        event.payload['connectedClients'] === 1,
    );
  });

  it('without Prometheus, says its figures are local: its own p95 and throughput, the lag unknown', async () => {
    const [stats] = await log.waitFor(
      'local stats with a latency',
      (event) => event.name === 'stats-updated' && event.payload['source'] === 'local' && typeof event.payload['p95LatencyMs'] === 'number',
    );
    assert.equal(stats!.payload['consumerLag'], null);
    assert.ok((stats!.payload['p95LatencyMs'] as number) > 0);
    assert.equal(typeof stats!.payload['throughputPerSecond'], 'number');
  });

  it('created topic messages with 6 partitions', async () => {
    assert.equal(await partitionCount(pipeline.topics.messages), 6);
  });
});
