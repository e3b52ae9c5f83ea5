import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { report, sendOrders } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

const BOUND = 200;

async function disconnectedSlowClients(gatewayUrl: string): Promise<number> {
  const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const line = metrics.split('\n').find((entry) => entry.startsWith('flowcast_gateway_clients_disconnected_total{') && entry.includes('reason="slow"'));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('a Socket.IO client that stops reading', () => {
  let pipeline: Pipeline;
  const readers: Array<{ socket: TestSocket; log: EventLog }> = [];

  before(async () => {
    pipeline = await Pipeline.start({ env: { SOCKET_MAX_BUFFERED_PACKETS: String(BOUND) } });
    readers.push(await connectClient(pipeline.gatewayUrl()), await connectClient(pipeline.gatewayUrl(), { transports: ['polling'], upgrade: false }));
  });
  after(async () => {
    for (const { socket } of readers) socket.close();
    await pipeline?.stop();
  });

  it('is disconnected once more than SOCKET_MAX_BUFFERED_PACKETS wait for it; the clients that read receive everything', async (t) => {
    // A long-polling client that connects, reads its greeting, and never polls again: every
    // event for it waits in the gateway (Engine.IO's write buffer).
    const session = `${pipeline.gatewayUrl()}/socket.io/?EIO=4&transport=polling`;
    const { sid } = JSON.parse((await (await fetch(session)).text()).slice(1)) as { sid: string };
    await fetch(`${session}&sid=${sid}`, { method: 'POST', body: '40' });
    assert.match(await (await fetch(`${session}&sid=${sid}`)).text(), /connection-success/);
    assert.equal(await disconnectedSlowClients(pipeline.gatewayUrl()), 0);

    const sent = await sendOrders(pipeline.producerUrl, 150, { concurrency: 4 });
    for (const { log } of readers) {
      await log.waitFor('every completion', (event) => event.name === 'processing-completed' && sent.valid.includes(String(event.payload['logId'])), sent.valid.length);
    }
    await waitFor('the slow client to be disconnected', async () => ((await disconnectedSlowClients(pipeline.gatewayUrl())) === 1 ? true : undefined));
    const gone = await fetch(`${session}&sid=${sid}`);
    assert.equal(gone.status, 400, 'its session is closed');
    assert.match(await gone.text(), /Session ID unknown/);
    for (const { socket, log } of readers) {
      assert.ok(socket.connected, 'the clients that read stay connected');
      for (const logId of sent.valid) {
        assert.deepEqual(log.forLog(logId).map((event) => event.name), ['message-received', 'processing-started', 'processing-completed']);
      }
    }
    report(t, { test: 'slow client', bound: BOUND, eventsSent: sent.valid.length * 3, slowClientsDisconnected: 1, readersDisconnected: 0, eventsPerReader: sent.valid.length * 3 });
  });
});
