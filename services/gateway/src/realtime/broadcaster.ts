import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { LIFECYCLE_EVENT_TYPES, ROOM_ALL, toSocketEvent, type LifecycleEvent, type StatsUpdatedPayload } from '@flowcast/common/contracts';
import { METRICS_REGISTRY } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import type { StreamOutlet } from '../status/status-view.js';
import { RealtimeGateway } from './realtime.gateway.js';
import { streamsAdapterOptions } from './streams-adapter-options.js';

/** The cluster adapter's message types and Socket.IO's packet types this writes (socket.io-adapter, socket.io-parser). */
const BROADCAST_MESSAGE = 3;
const EVENT_PACKET = 2;
/** The sender id of emitters: replicas deliver its messages, their own included (they skip only their own id). */
const EMITTER_UID = 'emitter';

interface ClusterMessage {
  uid: string;
  nsp: string;
  type: number;
  data: unknown;
}

/** The Redis streams adapter's publication of a cluster message, and its stream entry. */
interface StreamPublisher {
  doPublish(message: ClusterMessage): Promise<string>;
  encode(message: ClusterMessage): Record<string, string>;
}

/** Sends events to clients: lifecycle events through the cluster adapter, statistics locally. */
@Injectable()
export class Broadcaster {
  readonly #broadcasts: Counter<'type'>;
  /** null until first asked. */
  #outlet: StreamOutlet | undefined | null = null;

  constructor(
    private readonly gateway: RealtimeGateway,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
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
    this.countBroadcast(event);
    const adapter = this.#streamPublisher();
    if (adapter !== undefined) {
      await adapter.doPublish(this.#clusterMessage(event));
      return;
    }
    const { name, payload } = toSocketEvent(event);
    // The union of names and payloads is checked by toSocketEvent; emit cannot correlate them.
    (this.gateway.server.to(eventRooms(event)).emit as (event: string, payload: unknown) => boolean)(name, payload);
  }

  /**
   * The adapter's stream, for the status view to publish events to as `broadcast` would, in the
   * step that records them; none without Redis. Found once, when first asked.
   */
  get outlet(): StreamOutlet | undefined {
    if (this.#outlet === null) {
      const adapter = this.#streamPublisher();
      const redis = this.config.redis;
      if (adapter === undefined || redis === undefined) {
        this.#outlet = undefined;
      } else {
        const { streamName, maxLen } = streamsAdapterOptions(redis, this.config.socket);
        this.#outlet = { key: streamName, maxLen, entryOf: (event) => Object.entries(adapter.encode(this.#clusterMessage(event))).flat() };
      }
    }
    return this.#outlet;
  }

  /** Counts an event broadcast, by `broadcast` or by the status view through the outlet. */
  countBroadcast(event: LifecycleEvent): void {
    this.#broadcasts.inc({ type: event.type });
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

  #streamPublisher(): StreamPublisher | undefined {
    const adapter = this.gateway.server.of('/').adapter as unknown as Partial<StreamPublisher>;
    return typeof adapter.doPublish === 'function' && typeof adapter.encode === 'function' ? (adapter as StreamPublisher) : undefined;
  }

  /** The event as the cluster adapter's broadcast message, from an emitter: every replica sends it. */
  #clusterMessage(event: LifecycleEvent): ClusterMessage {
    const { name, payload } = toSocketEvent(event);
    return {
      uid: EMITTER_UID,
      nsp: '/',
      type: BROADCAST_MESSAGE,
      data: { packet: { type: EVENT_PACKET, nsp: '/', data: [name, payload] }, opts: { rooms: eventRooms(event), except: [], flags: {} } },
    };
  }
}

function eventRooms(event: LifecycleEvent): string[] {
  const rooms = [ROOM_ALL, `log:${event.logId}`];
  if (event.uploadId !== undefined) rooms.push(`upload:${event.uploadId}`);
  return rooms;
}
