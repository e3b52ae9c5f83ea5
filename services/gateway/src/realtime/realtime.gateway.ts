import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { TOKEN_CLOCK_TOLERANCE_SECONDS, allowsTarget, type SocketAccess } from '@flowcast/common/auth';
import {
  CONNECTION_SUCCESS_MESSAGE,
  ROOM_ALL,
  roomOf,
  subscriptionTargetSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAck,
} from '@flowcast/common/contracts';
import { GatewayAuth, defaultRooms } from '../auth/gateway-auth.js';
import { ClientLimits } from './client-limits.js';
import { deduplicateReplays } from './replay-deduplication.js';

/** What the gateway keeps per connection; restored with the session by connection state recovery. */
export interface RealtimeSocketData {
  /** What the client's token allows; absent when the gateway has no SOCKET_AUTH_SECRET. */
  access?: SocketAccess;
  /** True once the client subscribed: it then receives only its subscriptions. */
  narrowed?: boolean;
}

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, RealtimeSocketData>;
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, RealtimeSocketData>;

/** setTimeout's longest delay; a token that lives longer is checked again at its next connection. */
const LONGEST_TIMER_MS = 2_147_483_647;

/**
 * The Socket.IO edge: greets every connection with `connection-success` and lets a client
 * narrow what it receives to some messages or uploads. A client starts in its default rooms:
 * `all` (every event) without authentication or with a token that sees everything, otherwise
 * the rooms of the ids its token lists. Subscribing moves it to its subscriptions, unsubscribing
 * from the last one moves it back.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer()
  server!: RealtimeServer;

  readonly #expiries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly auth: GatewayAuth,
    private readonly limits: ClientLimits,
  ) {}

  afterInit(server: RealtimeServer): void {
    this.auth.install(server.of('/'));
    deduplicateReplays(server.of('/'));
  }

  handleConnection(client: RealtimeSocket): void {
    this.limits.watch(client);
    // A recovered client keeps its rooms and receives the events it missed.
    if (!client.recovered) void client.join(defaultRooms(client.data.access));
    this.#closeAtExpiry(client);
    client.emit('connection-success', { message: CONNECTION_SUCCESS_MESSAGE, timestamp: new Date().toISOString() });
  }

  handleDisconnect(client: RealtimeSocket): void {
    clearTimeout(this.#expiries.get(client.id));
    this.#expiries.delete(client.id);
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() client: RealtimeSocket, @MessageBody() target: unknown): SubscriptionAck {
    const parsed = subscriptionTargetSchema.safeParse(target);
    if (!parsed.success) return invalidTarget();
    const { access } = client.data;
    if (access !== undefined && !allowsTarget(access, parsed.data)) return forbidden(parsed.data);
    const room = roomOf(parsed.data);
    if (!this.limits.maySubscribe(client.data.narrowed === true ? roomsOf(client) : [], room)) return tooManySubscriptions(this.limits.maxSubscriptions);
    if (client.data.narrowed !== true) {
      for (const room of defaultRooms(access)) void client.leave(room);
      client.data.narrowed = true;
    }
    void client.join(room);
    return { ok: true, rooms: roomsOf(client) };
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() client: RealtimeSocket, @MessageBody() target: unknown): SubscriptionAck {
    const parsed = subscriptionTargetSchema.safeParse(target);
    if (!parsed.success) return invalidTarget();
    if (client.data.narrowed !== true) return { ok: true, rooms: roomsOf(client) };
    void client.leave(roomOf(parsed.data));
    if (roomsOf(client).length === 0) {
      client.data.narrowed = false;
      void client.join(defaultRooms(client.data.access));
    }
    return { ok: true, rooms: roomsOf(client) };
  }

  /**
   * Ends the connection's transport when its token expires: the client reconnects by itself and
   * must present a valid token then (its session recovers if it does).
   */
  #closeAtExpiry(client: RealtimeSocket): void {
    const expiresAt = client.data.access?.expiresAt;
    if (expiresAt === undefined) return;
    // Once the tolerance has passed too, so that the reconnection is refused rather than let in again.
    const closeAt = expiresAt + TOKEN_CLOCK_TOLERANCE_SECONDS * 1_000 + 1_000;
    const timer = setTimeout(() => client.conn.close(), Math.max(0, Math.min(closeAt - Date.now(), LONGEST_TIMER_MS)));
    timer.unref();
    this.#expiries.set(client.id, timer);
  }
}

/** The rooms that decide what the client receives, but `all` and its own. */
function roomsOf(client: RealtimeSocket): string[] {
  return [...client.rooms].filter((room) => room !== client.id && room !== ROOM_ALL);
}

function invalidTarget(): SubscriptionAck {
  return {
    ok: false,
    error: { code: 'VALIDATION_FAILED', message: 'Subscribe with { logId: <uuid> } or { uploadId: <uuid> }' },
  };
}

function tooManySubscriptions(max: number): SubscriptionAck {
  return {
    ok: false,
    error: { code: 'TOO_MANY_SUBSCRIPTIONS', message: `A connection may hold ${max} subscriptions: unsubscribe from one first` },
  };
}

function forbidden(target: { logId: string } | { uploadId: string }): SubscriptionAck {
  const what = 'logId' in target ? `logId ${target.logId}` : `uploadId ${target.uploadId}`;
  return { ok: false, error: { code: 'FORBIDDEN', message: `Your token does not allow ${what}` } };
}
