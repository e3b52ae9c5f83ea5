import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { connect, type FlowcastClient, type UploadProgress } from '@flowcast/client';
import { TcpBalancer } from './support/balancer.js';
import { testEnvironment } from './support/environment.js';
import { order, ordersCsv, postJson } from './support/http.js';
import { report, statusesOf } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

const STEPS = ['message-received', 'processing-started', 'processing-completed'] as const;
const RECONNECT = { transports: ['websocket'], reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500, randomizationFactor: 0 };

describe('gateway replicas failing with clients connected', () => {
  let pipeline: Pipeline;
  let balancer: TcpBalancer;

  before(async () => {
    pipeline = await Pipeline.start({ gateways: 2, redis: true, env: { CSV_BATCH_SIZE: '20' } });
    balancer = await TcpBalancer.start(() => pipeline.gateways.filter((gateway) => gateway.running).map((gateway) => gateway.port));
  });
  after(async () => {
    await balancer?.close();
    await pipeline?.stop();
  });

  it('a client whose connection breaks resumes on the other replica and receives what it missed (connection state recovery)', async (t) => {
    const { socket, log } = await connectClient(balancer.url, RECONNECT);
    try {
      const first = pipeline.gateways.find((gateway) => balancer.connectionsTo(gateway.port) > 0)!;
      const accepted = async () => String((await postJson(`${pipeline.producerUrl}/producers/send/single`, order())).body['logId']);
      const before = await accepted();
      await log.waitFor('the first message', (event) => event.name === 'processing-completed' && event.payload['logId'] === before);
      // The network drops: the replica keeps the session in Redis; new connections go to the other one.
      balancer.drain(first.port);
      balancer.dropConnectionsTo(first.port);
      const missed = await Promise.all(Array.from({ length: 5 }, accepted));
      await sleep(500);
      await waitFor('the client to reconnect', () => (socket.connected ? true : undefined));
      balancer.undrain(first.port);
      assert.equal(socket.recovered, true, 'the session was recovered on the other replica');
      for (const logId of missed) {
        await log.waitFor(`the events of ${logId}`, (event) => event.payload['logId'] === logId && event.name === 'processing-completed');
        assert.deepEqual(log.forLog(logId).map((event) => event.name), STEPS, 'every missed event, once, in order');
      }
      assert.equal(log.named('connection-success').length, 2, 'greeted again on the other replica');
      // Sizing the recovery window: what one event costs in the Redis stream.
      const redis = new Redis(testEnvironment.redisUrl);
      try {
        const stream = `${pipeline.id}:socket.io`;
        const [entries, bytes] = await Promise.all([redis.xlen(stream), redis.call('MEMORY', 'USAGE', stream, 'SAMPLES', '0') as Promise<number>]);
        report(t, { test: 'connection state recovery', missedEvents: missed.length * 3, recovered: true, streamEntries: entries, streamBytesPerEntry: Math.round(bytes / entries) });
      } finally {
        redis.disconnect();
      }
    } finally {
      socket.close();
    }
  });

  it('a replica killed (SIGKILL): its clients reconnect to the other and, live or from the status endpoints, end with every event of their uploads', async (t) => {
    const clients: FlowcastClient[] = [];
    const watchers: Array<{ socket: TestSocket; log: EventLog }> = [];
    try {
      for (let index = 0; index < 4; index += 1) {
        const client = connect({ gatewayUrl: balancer.url, producerUrl: pipeline.producerUrl, socket: RECONNECT });
        clients.push(client);
        watchers.push(await connectClient(balancer.url, RECONNECT));
      }
      await waitFor('the clients to connect', () => (clients.every((client) => client.connection.state === 'connected') ? true : undefined));
      const victim = pipeline.gateways.find((gateway) => gateway.running)!;
      assert.ok(balancer.connectionsTo(victim.port) > 0 && balancer.connectionsTo(pipeline.gateways[1]!.port) > 0, 'clients on both replicas');

      const uploadsUntil = Date.now() + 6_000;
      const finished: Array<{ logIds: string[]; progress: UploadProgress }> = [];
      // Each client's upload in progress and its last figure, to say which one did not finish.
      const following = new Map<number, UploadProgress | string>();
      const uploading = clients.map(async (client, index) => {
        while (Date.now() < uploadsUntil) {
          following.set(index, 'not accepted yet');
          const upload = client.uploadCsv(ordersCsv(200), { onProgress: (progress) => following.set(index, progress) });
          const accepted = await upload.accepted;
          finished.push({ logIds: accepted.logIds, progress: await upload.done });
          following.delete(index);
        }
      });
      await sleep(1_500);
      const onVictim = balancer.connectionsTo(victim.port);
      assert.equal(await victim.stop('SIGKILL'), null);
      await Promise.race([
        Promise.all(uploading),
        sleep(90_000).then(() => assert.fail(`uploads did not finish within 90 s: ${JSON.stringify(Object.fromEntries(following))}`)),
      ]);

      // Every client kept uploading across the kill (how many uploads fit in the window depends on the machine).
      assert.ok(finished.length >= clients.length, `uploads while the replica died (${finished.length})`);
      for (const { progress } of finished) {
        assert.equal(progress.status, 'COMPLETED');
        assert.equal(progress.processedRows, 200);
        assert.equal(progress.processedBatches, 10);
      }
      // What a client that follows every message ends with: the events it received live, and
      // for the ones it missed while it moved, the history from the status endpoint.
      const logIds = finished.flatMap(({ logIds }) => logIds);
      const survivor = pipeline.gateways.find((gateway) => gateway.running)!;
      const statuses = await statusesOf(survivor.url, logIds);
      let fromStatus = 0;
      let receivedTwice = 0;
      for (const { log } of watchers) {
        for (const logId of logIds) {
          const live = log.forLog(logId).map((event) => event.name);
          receivedTwice += live.length - new Set(live).size;
          const history = (statuses.get(logId)?.['history'] as Array<{ type: string }> | undefined)?.map((step) => step.type) ?? [];
          const missing = STEPS.filter((step) => !live.includes(step));
          fromStatus += missing.length;
          assert.ok(missing.every((step) => history.includes(step)), `${logId}: missed live ${missing.join(', ')}, and the status endpoint has ${history.join(', ')}`);
        }
      }
      report(t, {
        test: 'gateway SIGKILL',
        uploads: finished.length,
        batches: logIds.length,
        clientsOnKilledReplica: onVictim,
        eventsPerWatcher: logIds.length * 3,
        missedLiveFilledFromStatus: fromStatus,
        receivedTwiceLive: receivedTwice,
        lost: 0,
      });
    } finally {
      for (const client of clients) client.close();
      for (const { socket } of watchers) socket.close();
    }
  });
});
