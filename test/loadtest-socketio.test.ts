import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Server } from 'socket.io';
import { CONNECTION_SUCCESS_MESSAGE } from '@flowcast/common/contracts';
import { encodeAck, parseFrame, SocketIoProtocolError, SocketIoSession, socketIoUrl, type ServerFrame } from '#loadtest/socketio.js';
import { order, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { waitFor } from './support/wait.js';

/**
 * A client made of the k6 scripts' framing helper (loadtest/lib/socketio.ts) and Node's own
 * WebSocket, as the k6 script wires it to k6's: every frame goes through the helper, the
 * replies it asks for are sent back.
 */
class FramedClient {
  readonly session = new SocketIoSession();
  readonly frames: ServerFrame[] = [];
  readonly socket: WebSocket;
  closed = false;

  constructor(baseUrl: string) {
    this.socket = new WebSocket(socketIoUrl(baseUrl));
    this.socket.addEventListener('message', (message: MessageEvent) => {
      const { frame, replies } = this.session.receive(String(message.data));
      this.frames.push(frame);
      for (const reply of replies) this.socket.send(reply);
    });
    this.socket.addEventListener('close', () => {
      this.closed = true;
    });
  }

  async connected(): Promise<void> {
    await waitFor('the namespace connect', () => (this.session.connected ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
  }

  events(name: string): Array<Extract<ServerFrame, { type: 'event' }>> {
    return this.frames.filter((frame): frame is Extract<ServerFrame, { type: 'event' }> => frame.type === 'event' && frame.name === name);
  }

  /** Emits with an ack id and waits for the matching ack's arguments. */
  async request(name: string, args: unknown[]): Promise<unknown[]> {
    const { frame, ackId } = this.session.emit(name, args, { expectAck: true });
    this.socket.send(frame);
    const ack = await waitFor(`the ack of ${name}`, () => this.frames.find((candidate) => candidate.type === 'ack' && candidate.ackId === ackId), { timeoutMs: 10_000, intervalMs: 20 });
    return (ack as Extract<ServerFrame, { type: 'ack' }>).args;
  }

  close(): void {
    this.socket.close();
  }
}

describe('the k6 Socket.IO framing helper against a real gateway', () => {
  let pipeline: Pipeline;
  let client: FramedClient;

  before(async () => {
    pipeline = await Pipeline.start();
    client = new FramedClient(pipeline.gatewayUrl());
  });
  after(async () => {
    client?.close();
    await pipeline?.stop();
  });

  it('completes the Engine.IO handshake and the namespace connect, and receives the greeting', async () => {
    await client.connected();
    const open = client.frames[0];
    assert.equal(open?.type, 'open');
    assert.ok(open.handshake.pingInterval > 0 && open.handshake.pingTimeout > 0, 'the handshake carries the ping timing');
    const connect = client.frames.find((frame) => frame.type === 'connect');
    assert.equal(connect?.type === 'connect' && connect.namespace, '/');
    await waitFor('connection-success', () => (client.events('connection-success').length > 0 ? true : undefined));
    assert.equal((client.events('connection-success')[0]!.args[0] as { message: string }).message, CONNECTION_SUCCESS_MESSAGE);
  });

  it('decodes a message’s lifecycle events, in order, as the gateway sends them', async () => {
    await client.connected();
    const accepted = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
    const logId = String(accepted.body['logId']);
    const forLog = () => client.frames.filter((frame) => frame.type === 'event' && (frame.args[0] as { logId?: string } | undefined)?.logId === logId);
    await waitFor('processing-completed', () => (forLog().some((frame) => frame.type === 'event' && frame.name === 'processing-completed') ? true : undefined));
    assert.deepEqual(
      forLog().map((frame) => frame.type === 'event' && frame.name),
      ['message-received', 'processing-started', 'processing-completed'],
    );
    const completed = forLog().at(-1) as Extract<ServerFrame, { type: 'event' }>;
    assert.equal((completed.args[0] as { status: string }).status, 'PROCESSED');
  });

  it('sends acknowledged events and matches their acks: subscribe, and a refused subscribe', async () => {
    await client.connected();
    const logId = randomUUID();
    assert.deepEqual(await client.request('subscribe', [{ logId }]), [{ ok: true, rooms: [`log:${logId}`] }]);
    const refused = (await client.request('subscribe', [{ logId: 'not-a-uuid' }]))[0] as { ok: boolean; error?: { code: string } };
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.code, 'VALIDATION_FAILED');
    assert.deepEqual(await client.request('unsubscribe', [{ logId }]), [{ ok: true, rooms: [] }]);
  });
});

describe('the k6 Socket.IO framing helper against a socket.io server with fast pings', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;

  before(async () => {
    http = createServer();
    io = new Server(http, { pingInterval: 100, pingTimeout: 200 });
    io.of('/orders').on('connection', (socket) => {
      socket.on('question', (text: string, answer: (reply: string) => void) => answer(`heard ${text}`));
      socket.emit('hello', { from: 'server' });
      void socket.emitWithAck('confirm', 42).then((reply: unknown) => socket.emit('confirmed', reply));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await io.close();
  });

  it('answers every ping with a pong, so that the server keeps the connection', async () => {
    const client = new FramedClient(url);
    try {
      await client.connected();
      // Without pongs the server closes the connection after pingInterval + pingTimeout (300 ms).
      await waitFor('five pings', () => (client.frames.filter((frame) => frame.type === 'ping').length >= 5 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
      assert.equal(client.closed, false);
      assert.equal(io.engine.clientsCount, 1);
    } finally {
      client.close();
    }
  });

  it('joins a namespace, receives events there, and answers the server’s acknowledged events', async () => {
    const session = new SocketIoSession({ namespace: '/orders' });
    const frames: ServerFrame[] = [];
    const socket = new WebSocket(socketIoUrl(url));
    socket.addEventListener('message', (message: MessageEvent) => {
      const { frame, replies } = session.receive(String(message.data));
      frames.push(frame);
      for (const reply of replies) socket.send(reply);
      // The server's `confirm` wants an answer: an ack with the same id, in the namespace.
      if (frame.type === 'event' && frame.name === 'confirm' && frame.ackId !== undefined) socket.send(encodeAck(frame.ackId, [Number(frame.args[0]) + 1], '/orders'));
    });
    try {
      await waitFor('the confirmed event', () => frames.find((frame) => frame.type === 'event' && frame.name === 'confirmed'), { timeoutMs: 5_000, intervalMs: 20 });
      assert.equal(session.connected, true);
      assert.deepEqual(
        frames.filter((frame) => frame.type === 'event').map((frame) => frame.type === 'event' && [frame.namespace, frame.name, frame.args]),
        [
          ['/orders', 'hello', [{ from: 'server' }]],
          ['/orders', 'confirm', [42]],
          ['/orders', 'confirmed', [43]],
        ],
      );
      const { frame, ackId } = session.emit('question', ['ping?'], { expectAck: true });
      socket.send(frame);
      const ack = await waitFor('the answer', () => frames.find((candidate) => candidate.type === 'ack' && candidate.ackId === ackId), { timeoutMs: 5_000, intervalMs: 20 });
      assert.deepEqual(ack.type === 'ack' && [ack.namespace, ack.args], ['/orders', ['heard ping?']]);
    } finally {
      socket.close();
    }
  });
});

describe('the k6 Socket.IO framing helper on frames alone', () => {
  it('builds WebSocket URLs from http(s) and ws(s) base URLs', () => {
    assert.equal(socketIoUrl('http://gw:3001'), 'ws://gw:3001/socket.io/?EIO=4&transport=websocket');
    assert.equal(socketIoUrl('https://gw.example/app/'), 'wss://gw.example/socket.io/?EIO=4&transport=websocket');
    assert.equal(socketIoUrl('ws://gw:3001', '/rt'), 'ws://gw:3001/rt/?EIO=4&transport=websocket');
  });

  it('parses namespaces, ack ids and payloads, and refuses binary and malformed packets', () => {
    assert.deepEqual(parseFrame('42/admin,17["stats",{"a":1}]'), { type: 'event', namespace: '/admin', name: 'stats', args: [{ a: 1 }], ackId: 17 });
    assert.deepEqual(parseFrame('43/admin,3[]'), { type: 'ack', namespace: '/admin', ackId: 3, args: [] });
    assert.deepEqual(parseFrame('44{"message":"Not authorized"}'), { type: 'connect-error', namespace: '/', message: 'Not authorized' });
    assert.deepEqual(parseFrame('41/admin,'), { type: 'disconnect', namespace: '/admin' });
    assert.deepEqual(parseFrame('6'), { type: 'noop' });
    assert.throws(() => parseFrame('451-["upload",{"_placeholder":true,"num":0}]'), SocketIoProtocolError);
    assert.throws(() => parseFrame('42["unterminated"'), SocketIoProtocolError);
    assert.throws(() => parseFrame('0{"upgrades":[]}'), SocketIoProtocolError);
    assert.throws(() => parseFrame('x'), SocketIoProtocolError);
  });
});
