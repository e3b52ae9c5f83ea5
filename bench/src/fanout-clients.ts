/**
 * A child process of the fan-out scenario holding a share of the Socket.IO clients, so that
 * the client load is spread over processes. For every lifecycle event a client receives it
 * records the delay from the event's `timestamp`, and it counts each client's events so that
 * the harness can tell who missed one.
 *
 * Each client is one WebSocket (`ws`) speaking Engine.IO v4 / Socket.IO v5 through the same
 * protocol helper as the k6 script (`loadtest/lib/socketio.ts`), as `socket.io-client` does
 * with `transports: ['websocket']`. Event frames take a fast path that reads only the event's
 * name and its `timestamp` from the bytes, instead of decoding every packet in full: with
 * 10,000 clients at 20 broadcasts/s the clients receive 200,000 frames a second on the same two
 * cores as the server, and `socket.io-client` (a Manager, an Engine.IO socket and a JSON parse
 * per frame and client) made them the bottleneck, for the bare server and Flowcast alike.
 *
 * IPC requests (each answered `{ type: 'reply', id, … }`):
 * - `connect { url, count, ratePerSecond }` → `{ connected, failed }`
 * - `reset` (a new round) · `progress` → `{ received }`
 * - `report { expected }` → `{ received, missing, duplicates, histogram, firstAt, lastAt }`
 * - `disconnect`
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { SocketIoSession, socketIoUrl } from '#loadtest/socketio.js';
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

interface Client {
  socket: WebSocket;
  session: SocketIoSession;
  events: number;
}

/** `42["`: a Socket.IO event in the main namespace, its name first. */
const EVENT_PREFIX = Buffer.from('42["');
const TIMESTAMP_FIELD = Buffer.from('"timestamp":"');
/** An ISO 8601 UTC time as `Date#toISOString` writes it. */
const ISO_TIME_LENGTH = 24;
const COUNTED = new Set(BROADCAST_EVENTS);

let clients: Client[] = [];
let histogram = new LatencyHistogram();
let received = 0;
let firstAt = 0;
let lastAt = 0;
/** Every client receives the same event: its timestamp is parsed once. */
const parsedTimes = new Map<string, number>();

function reset(): void {
  for (const client of clients) client.events = 0;
  histogram = new LatencyHistogram();
  received = 0;
  firstAt = 0;
  lastAt = 0;
}

function timeOf(text: string): number {
  let time = parsedTimes.get(text);
  if (time === undefined) {
    if (parsedTimes.size > 10_000) parsedTimes.clear();
    time = Date.parse(text);
    parsedTimes.set(text, time);
  }
  return time;
}

/** Counts an event frame for `client` and records its delay; false when the frame is something else. */
function countEvent(client: Client, frame: Buffer): boolean {
  if (frame.length < EVENT_PREFIX.length || frame.compare(EVENT_PREFIX, 0, EVENT_PREFIX.length, 0, EVENT_PREFIX.length) !== 0) return false;
  const nameEnd = frame.indexOf(0x22, EVENT_PREFIX.length);
  if (!COUNTED.has(frame.toString('latin1', EVENT_PREFIX.length, nameEnd))) return true;
  const now = Date.now();
  client.events += 1;
  received += 1;
  if (firstAt === 0) firstAt = now;
  lastAt = now;
  const field = frame.indexOf(TIMESTAMP_FIELD, nameEnd);
  if (field !== -1) {
    const start = field + TIMESTAMP_FIELD.length;
    histogram.record(now - timeOf(frame.toString('latin1', start, start + ISO_TIME_LENGTH)));
  }
  return true;
}

function open(url: string): Promise<Client | undefined> {
  const client: Client = { socket: new WebSocket(socketIoUrl(url), { perMessageDeflate: false }), session: new SocketIoSession(), events: 0 };
  return new Promise((resolve) => {
    const timeout = setTimeout(() => {
      client.socket.terminate();
      resolve(undefined);
    }, 60_000);
    client.socket.on('message', (data: Buffer) => {
      if (countEvent(client, data)) return;
      for (const reply of client.session.receive(data.toString()).replies) client.socket.send(reply);
      if (client.session.connected) {
        clearTimeout(timeout);
        resolve(client);
      }
    });
    client.socket.on('error', () => undefined);
    client.socket.on('close', () => {
      clearTimeout(timeout);
      resolve(undefined);
    });
  });
}

async function connect(url: string, count: number, ratePerSecond: number): Promise<{ connected: number; failed: number }> {
  let failed = 0;
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < count; index += 1) {
    pending.push(
      open(url).then((client) => {
        if (client === undefined) failed += 1;
        else clients.push(client);
      }),
    );
    await sleep(1000 / ratePerSecond);
  }
  await Promise.all(pending);
  return { connected: clients.filter(isOpen).length, failed };
}

function isOpen(client: Client): boolean {
  return client.socket.readyState === WebSocket.OPEN && client.session.connected;
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
      for (const { events } of clients) {
        if (events < expected) missing += expected - events;
        else duplicates += events - expected;
      }
      const disconnected = clients.filter((client) => !isOpen(client)).length;
      return { received, missing, duplicates, disconnected, histogram: histogram.toJSON(), firstAt, lastAt };
    }
    case 'disconnect':
      for (const { socket } of clients) socket.close();
      clients = [];
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
