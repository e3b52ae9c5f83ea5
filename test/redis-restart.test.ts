import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { getJson } from './support/http.js';
import { broadcastCount, report, sendOrders } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { DedicatedRedis, dedicatedRedisPort } from './support/redis.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';

const STEPS = ['message-received', 'processing-started', 'processing-completed'];

describe('Redis restarted under two gateways with clients on each', () => {
  const redis = new DedicatedRedis(dedicatedRedisPort(1));
  let pipeline: Pipeline;
  const clients: Array<{ socket: TestSocket; log: EventLog; disconnects: number }> = [];

  before(async () => {
    await redis.start();
    pipeline = await Pipeline.start({ gateways: 2, redis: true, env: { REDIS_URL: redis.url } });
    for (const [index, transports] of [[0, ['websocket']], [1, ['polling']]] as const) {
      const client = { ...(await connectClient(pipeline.gatewayUrl(index), { transports: [...transports] })), disconnects: 0 };
      client.socket.on('disconnect', () => (client.disconnects += 1));
      clients.push(client);
    }
  });
  after(async () => {
    for (const { socket } of clients) socket.close();
    await pipeline?.stop();
    await redis.remove();
  });

  it('keeps every client connected and, once Redis is back, delivers every event to the clients of both replicas, once and in order', async (t) => {
    const send = (count: number) => sendOrders(pipeline.producerUrl, count, { concurrency: 4 });
    const waitDelivered = (logIds: readonly string[], timeoutMs: number) =>
      Promise.all(clients.map(({ log }) => log.waitFor('the completions', (event) => event.name === 'processing-completed' && logIds.includes(String(event.payload['logId'])), logIds.length, timeoutMs)));

    const before = await send(60);
    await waitDelivered(before.valid, 20_000);

    await redis.stop();
    const during = await send(60);
    assert.equal(during.valid.length, 60, 'ingest does not depend on Redis');
    await sleep(3_000);
    // The gateways stay up, keep their clients' connections and accept new ones meanwhile; events
    // wait (the status view, which drops repeated events, is in Redis) and follow once it is back.
    for (const index of [0, 1]) assert.equal((await getJson(`${pipeline.gatewayUrl(index)}/healthz`)).status, 200);
    assert.ok(clients.every(({ socket }) => socket.connected));
    const latecomer = await connectClient(pipeline.gatewayUrl(1));
    await latecomer.log.waitFor('a greeting while Redis is down', (event) => event.name === 'connection-success');
    latecomer.socket.close();
    const broadcastBefore = await Promise.all([0, 1].map((index) => broadcastCount(pipeline.gatewayUrl(index))));
    await redis.start();
    const restartedAt = Date.now();

    const afterwards = await send(60);
    const logIds = [...before.valid, ...during.valid, ...afterwards.valid];
    await waitDelivered(logIds, 60_000);
    await sleep(500);
    const broadcastAfter = await Promise.all([0, 1].map((index) => broadcastCount(pipeline.gatewayUrl(index))));
    assert.ok(broadcastAfter.every((count, index) => count > broadcastBefore[index]!), `both replicas broadcast again after the restart (${broadcastBefore.join(', ')} → ${broadcastAfter.join(', ')})`);
    for (const { log, disconnects } of clients) {
      assert.equal(disconnects, 0, 'no client was disconnected');
      for (const logId of logIds) assert.deepEqual(log.forLog(logId).map((event) => event.name), STEPS, `each event of ${logId} once, in order`);
    }
    report(t, {
      test: 'Redis restart',
      sent: logIds.length,
      accepted: logIds.length,
      deliveredPerClient: clients.map(({ log }) => log.named('processing-completed').filter((event) => logIds.includes(String(event.payload['logId']))).length),
      duplicates: 0,
      lost: 0,
      clientsDisconnected: clients.reduce((sum, { disconnects }) => sum + disconnects, 0),
      lastOutageEventDeliveredAfterRestartMs: Math.max(...clients.flatMap(({ log }) => log.events.filter((event) => during.valid.includes(String(event.payload['logId']))).map((event) => event.receivedAt - restartedAt))),
    });
  });
});
