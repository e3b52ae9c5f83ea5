import { io, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, ServerEventName } from '@flowcast/common/contracts';
import { waitFor } from './wait.js';

export interface ReceivedEvent {
  name: ServerEventName;
  payload: Record<string, unknown>;
  /** When the client received it (Date.now()). */
  receivedAt: number;
}

/** Everything a Socket.IO client received, in order. */
export class EventLog {
  readonly events: ReceivedEvent[] = [];

  record(name: string, payload: unknown): void {
    this.events.push({ name: name as ServerEventName, payload: payload as Record<string, unknown>, receivedAt: Date.now() });
  }

  named(name: ServerEventName): ReceivedEvent[] {
    return this.events.filter((event) => event.name === name);
  }

  forLog(logId: string): ReceivedEvent[] {
    return this.events.filter((event) => event.payload['logId'] === logId);
  }

  /** Waits until `count` events match `predicate`; returns them. */
  async waitFor(what: string, predicate: (event: ReceivedEvent) => boolean, count = 1, timeoutMs = 20_000): Promise<ReceivedEvent[]> {
    return waitFor(
      what,
      () => {
        const matching = this.events.filter(predicate);
        return matching.length >= count ? matching : undefined;
      },
      { timeoutMs, intervalMs: 25 },
    );
  }
}

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects a socket.io-client, records every event, and resolves once connected. */
export async function connectClient(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<{ socket: TestSocket; log: EventLog }> {
  const socket: TestSocket = io(url, { transports: ['websocket', 'polling'], reconnection: false, ...options });
  const log = new EventLog();
  socket.onAny((name: string, payload: unknown) => log.record(name, payload));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, log };
}
