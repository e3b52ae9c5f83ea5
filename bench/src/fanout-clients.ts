/**
 * A child process of the fan-out scenario holding a share of the Socket.IO clients
 * (socket.io-client, WebSocket transport), so that the client load is spread over processes.
 * For every lifecycle event a client receives it records the delay from the event's
 * `timestamp`, and it counts each client's events so that the harness can tell who missed one.
 *
 * IPC requests (each answered `{ type: 'reply', id, … }`):
 * - `connect { url, count, ratePerSecond }` → `{ connected, failed }`
 * - `reset` (a new round) · `progress` → `{ received }`
 * - `report { expected }` → `{ received, missing, duplicates, histogram, firstAt, lastAt }`
 * - `disconnect`
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import { BROADCAST_EVENTS } from './support/lifecycle.js';
import { LatencyHistogram } from './support/stats.js';

interface Request {
  type: string;
  id: number;
  url?: string;
  count?: number;
  ratePerSecond?: number;
  expected?: number;
}

let sockets: Socket[] = [];
let counts: number[] = [];
let histogram = new LatencyHistogram();
let received = 0;
let firstAt = 0;
let lastAt = 0;

function reset(): void {
  counts = counts.map(() => 0);
  histogram = new LatencyHistogram();
  received = 0;
  firstAt = 0;
  lastAt = 0;
}

async function connect(url: string, count: number, ratePerSecond: number): Promise<{ connected: number; failed: number }> {
  let failed = 0;
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < count; index += 1) {
    const client = sockets.length;
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 60_000 });
    sockets.push(socket);
    counts.push(0);
    for (const name of BROADCAST_EVENTS) {
      socket.on(name, (payload: { timestamp?: string }) => {
        const now = Date.now();
        counts[client]! += 1;
        received += 1;
        if (firstAt === 0) firstAt = now;
        lastAt = now;
        if (typeof payload.timestamp === 'string') histogram.record(now - Date.parse(payload.timestamp));
      });
    }
    pending.push(
      new Promise<void>((resolve) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', () => {
          failed += 1;
          resolve();
        });
      }),
    );
    await sleep(1000 / ratePerSecond);
  }
  await Promise.all(pending);
  return { connected: sockets.filter((socket) => socket.connected).length, failed };
}

async function handle(request: Request): Promise<Record<string, unknown>> {
  switch (request.type) {
    case 'connect':
      return connect(request.url!, request.count!, request.ratePerSecond!);
    case 'reset':
      reset();
      return {};
    case 'progress':
      return { received };
    case 'report': {
      const expected = request.expected!;
      let missing = 0;
      let duplicates = 0;
      for (const count of counts) {
        if (count < expected) missing += expected - count;
        else duplicates += count - expected;
      }
      const disconnected = sockets.filter((socket) => !socket.connected).length;
      return { received, missing, duplicates, disconnected, histogram: histogram.toJSON(), firstAt, lastAt };
    }
    case 'disconnect':
      for (const socket of sockets) socket.close();
      sockets = [];
      counts = [];
      return {};
    default:
      throw new Error(`unknown request ${request.type}`);
  }
}

process.on('message', (request: Request) => {
  handle(request).then(
    (answer) => process.send!({ type: 'reply', id: request.id, ...answer }),
    (error: unknown) => process.send!({ type: 'reply', id: request.id, error: String(error) }),
  );
});
process.send?.({ type: 'listening', port: 0 });
