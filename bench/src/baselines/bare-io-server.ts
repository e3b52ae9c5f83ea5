import { createServer, type Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { CONNECTION_SUCCESS_MESSAGE, ROOM_ALL } from '@flowcast/common/contracts';

/**
 * The bare `socket.io` 4 server of the baselines, configured as the gateway is: the same Redis
 * streams adapter (every broadcast goes through Redis, as across gateway replicas) when given
 * a Redis client, the same transports and connection state recovery, every client in the room
 * `all`, and the same greeting. No Nest, no status view, no authentication.
 */
export function bareIoServer(redis: Redis | undefined, keyPrefix: string): { http: HttpServer; io: Server } {
  const http = createServer();
  const io = new Server(http, {
    transports: ['polling', 'websocket'],
    cors: { origin: true, credentials: true },
    connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false },
    ...(redis === undefined
      ? {}
      : {
          adapter: createAdapter(redis, {
            streamName: `${keyPrefix}socket.io`,
            sessionKeyPrefix: `${keyPrefix}sio:session:`,
            channelPrefix: `${keyPrefix}socket.io`,
            maxLen: 100_000,
            onlyPlaintext: true,
          }),
        }),
  });
  io.on('connection', (socket) => {
    if (!socket.recovered) void socket.join(ROOM_ALL);
    socket.emit('connection-success', { message: CONNECTION_SUCCESS_MESSAGE, timestamp: new Date().toISOString() });
  });
  return { http, io };
}

/** Listens on a free port of the loopback interface and tells the harness which (IPC). */
export function listenAndAnnounce(http: HttpServer): void {
  http.listen(0, '127.0.0.1', () => {
    const address = http.address();
    process.send?.({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
}
