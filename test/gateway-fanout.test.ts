import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getJson, order, postJson } from './support/http.js';
import { broadcastCount } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

describe('two gateway replicas sharing Redis', () => {
  let pipeline: Pipeline;
  const clients: Array<{ socket: TestSocket; log: EventLog }> = [];
  let sent = 0;

  before(async () => {
    pipeline = await Pipeline.start({ gateways: 2, redis: true });
    clients.push(await connectClient(pipeline.gatewayUrl(0)), await connectClient(pipeline.gatewayUrl(1), { transports: ['polling'] }));
  });
  after(async () => {
    for (const client of clients) client.socket.close();
    await pipeline?.stop();
  });

  it('deliver every event to the clients of both, whichever replica consumed it', async () => {
    // Partitions of message-events are assigned to the second replica shortly after it joins:
    // keep sending until both replicas have consumed a share.
    const logIds: string[] = [];
    await waitFor('both replicas to consume', async () => {
      for (let index = 0; index < 12; index += 1) {
        const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order({ orderNumber: `ORD-${logIds.length}` }));
        logIds.push(String(accepted.body['logId']));
      }
      await clients[0]!.log.waitFor('this round', (event) => event.name === 'processing-completed' && event.payload['logId'] === logIds.at(-1));
      const counts = await Promise.all([broadcastCount(pipeline.gatewayUrl(0)), broadcastCount(pipeline.gatewayUrl(1))]);
      return counts.every((count) => count > 0) ? counts : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    for (const { log } of clients) {
      const completed = await log.waitFor('all completions', (event) => event.name === 'processing-completed' && logIds.includes(String(event.payload['logId'])), logIds.length);
      assert.equal(new Set(completed.map((event) => event.payload['logId'])).size, logIds.length);
      for (const logId of logIds) {
        assert.deepEqual(
          log.forLog(logId).map((event) => event.name),
          ['message-received', 'processing-started', 'processing-completed'],
          `each event once, in order, for ${logId}`,
        );
      }
    }
    const [first, second] = await Promise.all([broadcastCount(pipeline.gatewayUrl(0)), broadcastCount(pipeline.gatewayUrl(1))]);
    assert.equal(first + second, 3 * logIds.length, 'every event consumed by exactly one replica');
    sent = logIds.length;
  });

  it('share one status view and count clients over both replicas', async () => {
    const stats = await waitFor('stats over both replicas', async () => {
      const { body } = await getJson(`${pipeline.gatewayUrl(1)}/api/stats`);
      return body['processedMessages'] === sent && body['connectedClients'] === 2 ? body : undefined;
    });
    assert.equal(stats['totalMessages'], sent);
    const { body: fromOther } = await getJson(`${pipeline.gatewayUrl(0)}/api/stats`);
    assert.equal(fromOther['totalMessages'], sent);
  });
});
