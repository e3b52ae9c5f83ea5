import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

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
 * subscriptions: a message over `maxMessageBytes` closes the connection.
 */
export class FlowcastIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly options: RealtimeOptions,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      transports: ['polling', 'websocket'],
      cors: { origin: this.options.corsOrigins, credentials: true },
      connectionStateRecovery: { maxDisconnectionDuration: this.options.recoveryWindowMs, skipMiddlewares: false },
      maxHttpBufferSize: this.options.maxMessageBytes,
      ...(this.options.adapter === undefined ? {} : { adapter: this.options.adapter }),
    } as ServerOptions);
  }
}
