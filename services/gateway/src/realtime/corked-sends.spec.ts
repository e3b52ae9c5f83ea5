import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { corkWebSocketSends } from './corked-sends.js';

const BURST = 20;

/** The TCP socket under a connection's current WebSocket transport (`ws` keeps it as `_socket`). */
function tcpSocketOf(socket: Socket): TcpSocket {
  const transport = socket.conn.transport as unknown as { name: string; socket: { _socket: TcpSocket } };
  assert.equal(transport.name, 'websocket');
  return transport.socket._socket;
}

/** Counts the writes that reach the TCP socket's handle: one system call each. */
function countWrites(tcp: TcpSocket): { readonly count: number } {
  const counter = { count: 0 };
  const internals = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  for (const method of ['_write', '_writev'] as const) {
    const original = internals[method].bind(tcp);
    internals[method] = (...args: unknown[]) => {
      counter.count += 1;
      original(...args);
    };
  }
  return counter;
}

/**
 * Emits a burst in one tick on the server; the client must receive all of it in order, and the
 * TCP socket must have written it in two calls: the first packet goes out alone, the others wait
 * for it and leave together.
 */
async function assertBurstInTwoWrites(server: Socket, emit: (value: number) => void, client: ClientSocket): Promise<void> {
  const writes = countWrites(tcpSocketOf(server));
  const received: number[] = [];
  const all = new Promise<void>((resolve) =>
    client.on('processing-completed', (value: number) => {
      received.push(value);
      if (received.length === BURST) resolve();
    }),
  );
  for (let value = 0; value < BURST; value += 1) emit(value);
  await all;
  assert.deepEqual(received, Array.from({ length: BURST }, (_, value) => value));
  assert.ok(writes.count <= 2, `${writes.count} writes for ${BURST} packets`);
}

describe('corkWebSocketSends', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;

  before(async () => {
    http = createServer();
    io = new Server(http, { transports: ['polling', 'websocket'] });
    corkWebSocketSends(io);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(async () => {
    await io.close();
  });

  it('sends the packets that waited for a WebSocket client in one write after the first, in order', async () => {
    const client = connect(url, { transports: ['websocket'] });
    try {
      const [server] = (await once(io, 'connection')) as [Socket];
      // A broadcast, as the gateway sends lifecycle events: Socket.IO encodes each frame once.
      await assertBurstInTwoWrites(server, (value) => io.emit('processing-completed', value), client);
    } finally {
      client.close();
    }
  });

  it('does the same on a connection upgraded from polling', async () => {
    const client = connect(url);
    try {
      const [server] = (await once(io, 'connection')) as [Socket];
      if (server.conn.transport.name !== 'websocket') await once(server.conn, 'upgrade');
      await assertBurstInTwoWrites(server, (value) => server.emit('processing-completed', value), client);
    } finally {
      client.close();
    }
  });
});
