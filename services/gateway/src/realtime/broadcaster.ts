import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { LIFECYCLE_EVENT_TYPES, ROOM_ALL, toSocketEvent, type LifecycleEvent, type StatsUpdatedPayload } from '@flowcast/common/contracts';
import { METRICS_REGISTRY } from '@flowcast/common/nest';
import { RealtimeGateway } from './realtime.gateway.js';

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

  /** To every client in `all` and to the subscribers of the message and of its upload, once each. */
  broadcast(event: LifecycleEvent): void {
    const rooms = [ROOM_ALL, `log:${event.logId}`];
    if (event.uploadId !== undefined) rooms.push(`upload:${event.uploadId}`);
    const { name, payload } = toSocketEvent(event);
    // The union of names and payloads is checked by toSocketEvent; emit cannot correlate them.
    (this.gateway.server.to(rooms).emit as (event: string, payload: unknown) => boolean)(name, payload);
    this.#broadcasts.inc({ type: name });
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
