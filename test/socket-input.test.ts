import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { SubscriptionAck } from '@flowcast/common/contracts';
import { getJson, order, postJson } from './support/http.js';
import { report } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

const MAX_SUBSCRIPTIONS = 5;
const MAX_MESSAGE_BYTES = 16_384;

/** An event with an acknowledgement, as any client may send it: name and payload unchecked. */
function emitWithAck(socket: TestSocket, name: string, payload: unknown): Promise<unknown> {
  const untyped = socket as unknown as { timeout(ms: number): { emitWithAck(name: string, payload: unknown): Promise<unknown> } };
  return untyped.timeout(5_000).emitWithAck(name, payload);
}

describe('unexpected Socket.IO messages', () => {
  let pipeline: Pipeline;
  let bystander: { socket: TestSocket; log: EventLog };

  before(async () => {
    pipeline = await Pipeline.start({ env: { SOCKET_MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS), SOCKET_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) } });
    bystander = await connectClient(pipeline.gatewayUrl());
  });
  after(async () => {
    bystander?.socket.close();
    await pipeline?.stop();
  });

  /** The gateway still serves: a message sent now reaches the client that minded its own business. */
  async function stillServes(): Promise<void> {
    assert.ok(pipeline.gateways[0]!.running, 'the gateway process is alive');
    const logId = String((await postJson(`${pipeline.producerUrl}/producers/send/single`, order())).body['logId']);
    await bystander.log.waitFor('a fresh completion', (event) => event.name === 'processing-completed' && event.payload['logId'] === logId);
    assert.ok(bystander.socket.connected);
  }

  it('a subscription flood: at most SOCKET_MAX_SUBSCRIPTIONS rooms, the rest refused with TOO_MANY_SUBSCRIPTIONS', async (t) => {
    const { socket } = await connectClient(pipeline.gatewayUrl());
    try {
      const acks = (await Promise.all(Array.from({ length: 1_000 }, () => emitWithAck(socket, 'subscribe', { uploadId: randomUUID() })))) as SubscriptionAck[];
      const accepted = acks.filter((ack) => ack.ok);
      const refused = acks.filter((ack) => !ack.ok);
      assert.equal(accepted.length, MAX_SUBSCRIPTIONS);
      assert.ok(refused.every((ack) => !ack.ok && ack.error.code === 'TOO_MANY_SUBSCRIPTIONS'));
      const rooms = (accepted.at(-1) as Extract<SubscriptionAck, { ok: true }>).rooms;
      assert.equal(rooms.length, MAX_SUBSCRIPTIONS);
      // Subscribing again to a room it holds is fine; leaving one makes room for another.
      assert.equal(((await emitWithAck(socket, 'subscribe', { uploadId: rooms[0]!.slice('upload:'.length) })) as SubscriptionAck).ok, true);
      assert.equal(((await emitWithAck(socket, 'unsubscribe', { uploadId: rooms[0]!.slice('upload:'.length) })) as SubscriptionAck).ok, true);
      assert.equal(((await emitWithAck(socket, 'subscribe', { logId: randomUUID() })) as SubscriptionAck).ok, true);
      assert.ok(socket.connected);
      report(t, { test: 'subscription flood', subscribes: 1_000, accepted: accepted.length, refused: refused.length });
    } finally {
      socket.close();
    }
    await stillServes();
  });

  it('unknown events are ignored and malformed subscriptions refused with VALIDATION_FAILED, the connection kept', async () => {
    const { socket, log } = await connectClient(pipeline.gatewayUrl());
    try {
      const untyped = socket as unknown as { emit(name: string, ...args: unknown[]): void };
      untyped.emit('nonsense', { a: 1 });
      untyped.emit('processing-completed', { logId: randomUUID(), status: 'PROCESSED' });
      untyped.emit('subscribe');
      let deep: unknown = { uploadId: randomUUID() };
      for (let depth = 0; depth < 500; depth += 1) deep = { deep };
      const malformed: unknown[] = [null, 42, 'upload', [], [{ uploadId: randomUUID() }], { uploadId: 'not-a-uuid' }, { uploadId: randomUUID(), logId: randomUUID() }, { uploadId: randomUUID(), extra: 1 }, deep, { uploadId: 'x'.repeat(10_000) }];
      for (const payload of malformed) {
        for (const name of ['subscribe', 'unsubscribe']) {
          const ack = (await emitWithAck(socket, name, payload)) as SubscriptionAck;
          assert.equal(ack.ok, false, `${name} ${JSON.stringify(payload).slice(0, 60)}`);
          assert.equal(!ack.ok && ack.error.code, 'VALIDATION_FAILED');
        }
      }
      assert.ok(socket.connected);
      // It still receives every event: it never subscribed to anything valid.
      const logId = String((await postJson(`${pipeline.producerUrl}/producers/send/single`, order())).body['logId']);
      await log.waitFor('its events', (event) => event.name === 'processing-completed' && event.payload['logId'] === logId);
    } finally {
      socket.close();
    }
    await stillServes();
  });

  it('a message over SOCKET_MAX_MESSAGE_BYTES closes that connection only', async () => {
    for (const transports of [['websocket'], ['polling']] as const) {
      const { socket } = await connectClient(pipeline.gatewayUrl(), { transports: [...transports], upgrade: false });
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      (socket as unknown as { emit(name: string, payload: unknown): void }).emit('subscribe', { uploadId: 'x'.repeat(4 * MAX_MESSAGE_BYTES) });
      assert.match(await closed, /transport (close|error)/, `over ${transports[0]}`);
      socket.close();
    }
    await stillServes();
  });

  it('any frame on a raw WebSocket (property-based): the gateway answers or closes that connection, never crashes', async (t) => {
    const url = `${pipeline.gatewayUrl().replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    let socket: WebSocket | undefined;
    let connections = 0;
    let closedByServer = 0;
    const open = async (): Promise<WebSocket> => {
      if (socket?.readyState === WebSocket.OPEN) return socket;
      const next = new WebSocket(url);
      connections += 1;
      next.addEventListener('message', (message) => {
        if (message.data === '2') next.send('3');
      });
      next.addEventListener('close', () => (closedByServer += 1));
      await new Promise((resolve, reject) => {
        next.addEventListener('open', resolve, { once: true });
        next.addEventListener('error', reject, { once: true });
      });
      next.send('40');
      socket = next;
      return next;
    };
    // Engine.IO / Socket.IO frames: valid prefixes with garbage after them, JSON of any shape, any text.
    const frame = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '40', '41', '42', '43', '44', '45', '46', '4/x,'), fc.string({ unit: 'binary', maxLength: 200 })).map(([prefix, rest]) => prefix + rest),
      fc.tuple(fc.constantFrom('42', '421', '43', '4299999999999'), fc.jsonValue({ maxDepth: 6 })).map(([prefix, value]) => prefix + JSON.stringify(value)),
      fc.tuple(fc.constantFrom('subscribe', 'unsubscribe', 'connection-success', 'nonsense', ''), fc.jsonValue({ maxDepth: 4 })).map(([name, value]) => `420${JSON.stringify([name, value])}`),
      fc.uint8Array({ maxLength: 300 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        for (const data of frames) {
          const connection = await open();
          connection.send(data);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        return pipeline.gateways[0]!.running;
      }),
      { numRuns: 300 },
    );
    socket?.close();
    assert.equal((await getJson(`${pipeline.gatewayUrl()}/healthz`)).status, 200);
    await waitFor('no error logged by the gateway', () => (pipeline.gateways[0]!.lines.some((line) => line['level'] === 'error' || line['level'] === 'fatal') ? undefined : true), { timeoutMs: 1_000 });
    await stillServes();
    report(t, { test: 'raw Socket.IO frames', runs: 300, connections, closedByServer });
  });
});
