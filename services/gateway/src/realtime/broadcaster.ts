import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { LIFECYCLE_EVENT_TYPES, ROOM_ALL, toSocketEvent, type LifecycleEvent, type StatsUpdatedPayload } from '@flowcast/common/contracts';
import { METRICS_REGISTRY } from '@flowcast/common/nest';
import { RealtimeGateway } from './realtime.gateway.js';

/** The cluster adapter's message types and Socket.IO's packet types this writes (socket.io-adapter, socket.io-parser). */
const BROADCAST_MESSAGE = 3;
const EVENT_PACKET = 2;
/** The sender id of emitters: replicas deliver its messages, their own included (they skip only their own id). */
const EMITTER_UID = 'emitter';

/** The Redis streams adapter's publication of a cluster message. */
interface StreamPublisher {
  doPublish(message: { uid: string; nsp: string; type: number; data: unknown }): Promise<string>;
}

/** Sends events to clients: lifecycle events through the cluster adapter, statistics locally. */
@Injectable()
export class Broadcaster {
  readonly #broadcasts: Counter<'type'>;

  constructor(
    private readonly gateway: RealtimeGateway,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.#broadcasts = new Counter({
      name: 'flowcast_gateway_events_broadcast_total',
      help: 'Lifecycle events this replica consumed and broadcast, by type',
      labelNames: ['type'],
      registers: [registry],
    });
    for (const type of LIFECYCLE_EVENT_TYPES) this.#broadcasts.inc({ type }, 0);
    const localClients = () => this.localClients;
    new Gauge({
      name: 'flowcast_gateway_connected_clients',
      help: 'Socket.IO clients connected to this replica',
      registers: [registry],
      collect() {
        this.set(localClients());
      },
    });
  }

  /**
   * To every client in `all` and to the subscribers of the message and of its upload, once each;
   * resolves once the event is in the Redis stream (at once without Redis).
   *
   * With several replicas, the event is written to the stream as an emitter would write it, and
   * every replica, this one too, sends it to its clients when it reads it back: each client then
   * receives events in the stream's order, so that the offset it recovers from after a lost
   * connection is exactly where it stopped (a replica's own events sent at once, before others'
   * written just earlier, would make it skip or repeat some).
   */
  async broadcast(event: LifecycleEvent): Promise<void> {
    const rooms = [ROOM_ALL, `log:${event.logId}`];
    if (event.uploadId !== undefined) rooms.push(`upload:${event.uploadId}`);
    const { name, payload } = toSocketEvent(event);
    this.#broadcasts.inc({ type: name });
    const adapter = this.gateway.server.of('/').adapter as unknown as Partial<StreamPublisher>;
    if (typeof adapter.doPublish === 'function') {
      await adapter.doPublish({
        uid: EMITTER_UID,
        nsp: '/',
        type: BROADCAST_MESSAGE,
        data: { packet: { type: EVENT_PACKET, nsp: '/', data: [name, payload] }, opts: { rooms, except: [], flags: {} } },
      });
      return;
    }
    // The union of names and payloads is checked by toSocketEvent; emit cannot correlate them.
    (this.gateway.server.to(rooms).emit as (event: string, payload: unknown) => boolean)(name, payload);
  }

  /** Every replica sends statistics to its own clients, so each client gets them once. */
  emitStats(payload: StatsUpdatedPayload): void {
    this.gateway.server.local.emit('stats-updated', payload);
  }

  /** Sends the latest statistics to each new client, so that it need not wait for a change. */
  greetWithStats(latest: () => StatsUpdatedPayload | undefined): void {
    this.gateway.server.on('connection', (socket) => {
      const stats = latest();
      if (stats !== undefined) socket.emit('stats-updated', stats);
    });
  }

  get localClients(): number {
    return this.gateway.server.engine.clientsCount;
  }
}
