// `helm test` for Flowcast: sends one order through the producer and waits until the gateway
// broadcasts its `processing-completed` over Socket.IO. Plain Node.js (global fetch and
// WebSocket, node:crypto), no dependency: it runs in the Flowcast image and against a local
// `make dev`.
//
//   PRODUCER_URL=http://localhost:3000 GATEWAY_URL=http://localhost:3001 node smoke-test.mjs
//
// Where authentication is on, FLOWCAST_API_KEYS (the producer's keys, comma-separated: the first
// is sent as `Authorization: Bearer`) and FLOWCAST_SOCKET_AUTH_SECRET (the gateway's secret: the
// script signs itself a short-lived token that sees every event) come from the chart's Secrets.
//
// Exit code 0 when the message was processed; 1 with the reason otherwise.
import { createHmac } from 'node:crypto';

const producerUrl = process.env.PRODUCER_URL ?? 'http://localhost:3000';
const gatewayUrl = process.env.GATEWAY_URL ?? 'http://localhost:3001';
const timeoutMs = Number(process.env.TIMEOUT_MS ?? 120_000);
const apiKey = process.env.FLOWCAST_API_KEYS?.split(',')[0]?.trim();
const socketSecret = process.env.FLOWCAST_SOCKET_AUTH_SECRET;

const log = (message) => process.stdout.write(`[flowcast-test] ${message}\n`);

function fail(message) {
  log(`FAILED: ${message}`);
  process.exit(1);
}

const deadline = setTimeout(() => fail(`no processing-completed within ${timeoutMs} ms`), timeoutMs);

/** A gateway token (JWT, HS256, audience flowcast) that sees every event, for the length of the test. */
function socketToken(secret) {
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: 'flowcast', sub: 'helm-test', iat: now, exp: now + Math.ceil(timeoutMs / 1000) + 60, uploads: '*', logs: '*' };
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Opens a Socket.IO (Engine.IO v4) WebSocket session and calls `onEvent(name, payload)` per event. */
function connectSocket(onEvent) {
  const url = new URL('/socket.io/?EIO=4&transport=websocket', gatewayUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)));
    socket.addEventListener('close', (event) => fail(`the gateway closed the socket (${event.code})`));
    socket.addEventListener('message', ({ data }) => {
      const packet = String(data);
      // Engine.IO open → Socket.IO connect, with the handshake's auth payload when there is a token.
      if (packet.startsWith('0')) socket.send(socketSecret ? `40${JSON.stringify({ token: socketToken(socketSecret) })}` : '40');
      else if (packet === '2') socket.send('3'); // ping → pong
      else if (packet.startsWith('40')) resolve(socket); // connected to the main namespace
      else if (packet.startsWith('44')) reject(new Error(`the gateway refused the connection: ${JSON.parse(packet.slice(2)).message ?? packet.slice(2)}`));
      else if (packet.startsWith('42')) {
        const [name, payload] = JSON.parse(packet.slice(2));
        onEvent(name, payload);
      }
    });
  });
}

let logId;
let socket;
// Ours may arrive before the producer's answer does: until the logId is known, the latest
// events are kept (a bounded number, on a busy cluster); after, only ours.
const received = [];
function check() {
  if (logId === undefined) return;
  const ours = received.filter(([, payload]) => payload?.logId === logId);
  const failed = ours.find(([name]) => name === 'processing-failed');
  if (failed) fail(`the message failed: ${failed[1].error}`);
  const completed = ours.find(([name]) => name === 'processing-completed');
  if (completed) {
    log(`passed: ${ours.map(([name]) => name).join(' → ')}, by consumer ${completed[1].consumerId}`);
    clearTimeout(deadline);
    socket?.close();
    process.exit(0);
  }
}
socket = await connectSocket((name, payload) => {
  if (logId !== undefined && payload?.logId !== logId) return;
  received.push([name, payload]);
  if (received.length > 10_000) received.shift();
  check();
}).catch((error) => fail(error.message));
log(`connected to ${gatewayUrl}`);

const response = await fetch(new URL('/producers/send/single', producerUrl), {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
  body: JSON.stringify({ orderNumber: `HELM-TEST-${Date.now()}`, productName: 'helm test', quantity: 1, price: 1 }),
}).catch((error) => fail(`cannot reach the producer at ${producerUrl}: ${error.cause?.message ?? error.message}`));
const body = await response.json().catch(() => ({}));
if (response.status !== 202) fail(`the producer answered ${response.status}: ${JSON.stringify(body)}`);
logId = body.logId;
log(`accepted ${logId}; waiting for processing-completed`);
check();
