import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { corkWebSocketSends } from './corked-sends.js';

export interface RealtimeOptions {
  corsOrigins: true | string[];
  recoveryWindowMs: number;
  /** Largest message a client may send; a larger one closes its connection. */
  maxMessageBytes: number;
  /** The cluster adapter (Redis streams) when several replicas share clients; in-memory otherwise. */
  adapter?: ServerOptions['adapter'];
}

/**
 * Socket.IO as the reference document describes it: on the HTTP port, WebSocket with HTTP
 * long-polling fallback, CORS from configuration, and connection state recovery so that a
 * client back within the window receives what it missed. Clients send only small
 * subscriptions: a message over `maxMessageBytes` closes the connection. Packets that wait for
 * a WebSocket client go out in one system call (`corkWebSocketSends`).
 */
export class FlowcastIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly options: RealtimeOptions,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      transports: ['polling', 'websocket'],
      cors: { origin: this.options.corsOrigins, credentials: true },
      connectionStateRecovery: { maxDisconnectionDuration: this.options.recoveryWindowMs, skipMiddlewares: false },
      maxHttpBufferSize: this.options.maxMessageBytes,
      ...(this.options.adapter === undefined ? {} : { adapter: this.options.adapter }),
    } as ServerOptions);
    corkWebSocketSends(server);
    return server;
  }

  /**
   * Binds the gateway's message handlers to a socket with one plain listener each. Nest's own
   * keeps an RxJS pipeline per socket and handler (fromEvent, mergeMap, takeUntil on a shared
   * disconnect stream) for the socket's whole life: several KB of heap per connection for
   * handlers that a client calls once or twice. Here a message builds its pipeline when it
   * arrives; the answer goes the same way as Nest's (an `{ event, data }` answer is emitted,
   * anything else acknowledged), and a failing handler is logged without silencing the event.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // As RxJS's fromEvent hands them to Nest: one argument alone, several as an array.
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args) as { data: unknown; ack?: unknown };
        const fail = (error: unknown) => this.logger.error(error);
        let answers: Observable<unknown>;
        try {
          answers = transform(callback(data, ack));
        } catch (error) {
          fail(error);
          return;
        }
        answers.subscribe({
          next: (response) => {
            if (response === undefined || response === null) return;
            const { event, data: payload } = response as { event?: string; data?: unknown };
            if (event) socket.emit(event, payload);
            else if (!isAckHandledManually && typeof ack === 'function') (ack as (answer: unknown) => void)(response);
          },
          error: fail,
        });
      });
    }
  }
}
