/**
 * k6: Socket.IO clients over k6's WebSocket API, speaking Engine.IO v4 / Socket.IO v5 through
 * lib/socketio.ts. Each VU holds `connectionsPerVu` connections for the scenario's duration
 * and measures, for every lifecycle event, the delay from the event's `timestamp` (when the
 * worker took the step) to its arrival: run it beside ingest.ts or csv-upload.ts, and keep the
 * clocks of the load machine and the cluster in sync (NTP), or the delays are off by the skew.
 *
 *   k6 run -e GATEWAY_URL=http://flowcast.example:3001 loadtest/socketio-clients.ts
 *   k6 run -e SUBSCRIBE_UPLOAD=<uploadId> loadtest/socketio-clients.ts   # only one upload's events
 *   k6 run -e TOKEN=<token> …   # where the gateway has SOCKET_AUTH_SECRET (npm run -s token -- --all)
 */
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { setTimeout } from 'k6/timers';
import { WebSocket, type ErrorEvent, type MessageEvent } from 'k6/websockets';
import { profileOf, type FanoutScenario } from './lib/scenarios.ts';
import { SocketIoSession, socketIoUrl, type ServerFrame } from './lib/socketio.ts';

const scenario = JSON.parse(open('./scenarios/fanout.json')) as FanoutScenario;
const profile = profileOf(scenario, __ENV['PROFILE']);
const GATEWAY_URL = __ENV['GATEWAY_URL'] ?? 'http://localhost:3001';
const CLIENTS = Number(__ENV['CLIENTS'] ?? profile.clients);
const PER_VU = Math.max(1, Math.min(CLIENTS, Number(__ENV['CONNECTIONS_PER_VU'] ?? profile.connectionsPerVu)));
const HOLD_MS = Number(__ENV['DURATION_SECONDS'] ?? profile.durationSeconds) * 1000;
const SUBSCRIBE_UPLOAD = __ENV['SUBSCRIBE_UPLOAD'];
/** The gateway's token, sent in each connection's handshake. */
const TOKEN = __ENV['TOKEN'];
const LIFECYCLE_EVENTS = new Set(['message-received', 'processing-started', 'processing-completed', 'processing-failed']);

const eventDelay = new Trend('socketio_event_delay', true);
const events = new Counter('socketio_events');
const connected = new Counter('socketio_connected');
const protocolErrors = new Counter('socketio_protocol_errors');

export const options: Options = {
  scenarios: {
    clients: {
      executor: 'per-vu-iterations',
      vus: Math.ceil(CLIENTS / PER_VU),
      iterations: 1,
      maxDuration: `${Math.ceil(HOLD_MS / 1000) + 120}s`,
    },
  },
  thresholds: {
    socketio_event_delay: [`p(99)<${scenario.thresholds.deliveryP99Ms}`],
    socketio_protocol_errors: ['count==0'],
    checks: ['rate==1'],
  },
};

function hold(): void {
  const session = new SocketIoSession(TOKEN === undefined ? {} : { auth: { token: TOKEN } });
  const socket = new WebSocket(socketIoUrl(GATEWAY_URL));
  let subscribeAck: number | undefined;
  socket.addEventListener('message', (message: MessageEvent | ErrorEvent) => {
    if (!('data' in message) || typeof message.data !== 'string') return;
    let frame: ServerFrame;
    try {
      const received = session.receive(message.data);
      for (const reply of received.replies) socket.send(reply);
      frame = received.frame;
    } catch {
      protocolErrors.add(1);
      return;
    }
    if (frame.type === 'connect') {
      connected.add(1);
      if (SUBSCRIBE_UPLOAD !== undefined) {
        const subscribe = session.emit('subscribe', [{ uploadId: SUBSCRIBE_UPLOAD }], { expectAck: true });
        subscribeAck = subscribe.ackId;
        socket.send(subscribe.frame);
      }
    } else if (frame.type === 'connect-error') {
      check(frame, { 'connected to the gateway': () => false });
    } else if (frame.type === 'ack' && frame.ackId === subscribeAck) {
      check(frame.args[0], { subscribed: (ack) => typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === true });
    } else if (frame.type === 'event' && LIFECYCLE_EVENTS.has(frame.name)) {
      events.add(1, { event: frame.name });
      const timestamp = (frame.args[0] as { timestamp?: unknown } | undefined)?.timestamp;
      if (typeof timestamp === 'string') eventDelay.add(Date.now() - Date.parse(timestamp), { event: frame.name });
    }
  });
  socket.addEventListener('error', () => protocolErrors.add(1));
  setTimeout(() => {
    check(session, { 'still connected at the end': (s) => s.connected });
    socket.close();
  }, HOLD_MS);
}

export default function (): void {
  const first = (__VU - 1) * PER_VU;
  for (let index = first; index < Math.min(first + PER_VU, CLIENTS); index += 1) hold();
}
