import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import type { Socket } from 'socket.io';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';

/**
 * What one Socket.IO client may cost the gateway: packets waiting to be sent to it, and rooms.
 * A client that stops reading would otherwise hold every event sent since in the gateway's
 * memory (Engine.IO's write buffer); it is disconnected once it has `maxBufferedPackets`, and
 * reconnects (recovering what it missed) when it reads again. Other clients are not affected.
 */
@Injectable()
export class ClientLimits {
  readonly #disconnected: Counter<'reason'>;
  readonly #maxBufferedPackets: number;
  readonly #maxSubscriptions: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#maxBufferedPackets = config.socket.maxBufferedPackets;
    this.#maxSubscriptions = config.socket.maxSubscriptions;
    this.#disconnected = new Counter({
      name: 'flowcast_gateway_clients_disconnected_total',
      help: 'Socket.IO clients the gateway disconnected, by reason (slow: its write buffer passed SOCKET_MAX_BUFFERED_PACKETS)',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.#disconnected.inc({ reason: 'slow' }, 0);
  }

  /** Disconnects the client once more than the bound of packets wait to be sent to it. */
  watch(socket: Socket): void {
    const connection = socket.conn;
    // Engine.IO's write buffer, counted through its events: each packet is created into it, and a
    // flush hands all of it to the transport, which takes no more until the client has read.
    let waiting = 0;
    connection.on('flush', () => (waiting = 0));
    connection.on('packetCreate', () => {
      waiting += 1;
      if (waiting <= this.#maxBufferedPackets || connection.readyState !== 'open') return;
      this.logger.warn({ socketId: socket.id, waiting, transport: connection.transport.name }, 'client does not read: disconnecting it');
      this.#disconnected.inc({ reason: 'slow' });
      // Discards what was waiting: the client recovers it (connection state recovery) or reloads.
      connection.close(true);
    });
  }

  /** Whether a client holding `subscriptions` may subscribe to `room` too. */
  maySubscribe(subscriptions: readonly string[], room: string): boolean {
    return subscriptions.includes(room) || subscriptions.length < this.#maxSubscriptions;
  }

  get maxSubscriptions(): number {
    return this.#maxSubscriptions;
  }
}
