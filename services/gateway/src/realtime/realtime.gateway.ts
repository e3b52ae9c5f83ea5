import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import {
  CONNECTION_SUCCESS_MESSAGE,
  ROOM_ALL,
  roomOf,
  subscriptionTargetSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAck,
} from '@flowcast/common/contracts';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents>;
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * The Socket.IO edge: greets every connection with `connection-success` and lets a client
 * narrow what it receives to some messages or uploads. Every client starts in the `all`
 * room; subscribing moves it to its rooms, unsubscribing from the last one moves it back.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayConnection {
  @WebSocketServer()
  server!: RealtimeServer;

  handleConnection(client: RealtimeSocket): void {
    // A recovered client keeps its rooms and receives the events it missed.
    if (!client.recovered) void client.join(ROOM_ALL);
    client.emit('connection-success', { message: CONNECTION_SUCCESS_MESSAGE, timestamp: new Date().toISOString() });
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() client: RealtimeSocket, @MessageBody() target: unknown): SubscriptionAck {
    const parsed = subscriptionTargetSchema.safeParse(target);
    if (!parsed.success) return invalidTarget();
    void client.join(roomOf(parsed.data));
    void client.leave(ROOM_ALL);
    return { ok: true, rooms: subscriptionsOf(client) };
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() client: RealtimeSocket, @MessageBody() target: unknown): SubscriptionAck {
    const parsed = subscriptionTargetSchema.safeParse(target);
    if (!parsed.success) return invalidTarget();
    void client.leave(roomOf(parsed.data));
    if (subscriptionsOf(client).length === 0) void client.join(ROOM_ALL);
    return { ok: true, rooms: subscriptionsOf(client) };
  }
}

function subscriptionsOf(client: RealtimeSocket): string[] {
  return [...client.rooms].filter((room) => room !== client.id && room !== ROOM_ALL);
}

function invalidTarget(): SubscriptionAck {
  return {
    ok: false,
    error: { code: 'VALIDATION_FAILED', message: 'Subscribe with { logId: <uuid> } or { uploadId: <uuid> }' },
  };
}
