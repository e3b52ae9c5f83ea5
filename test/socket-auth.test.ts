import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { connect as connectFlowcast, type ConnectionChange } from '@flowcast/client';
import { SocketTokens } from '@flowcast/common/auth';
import { order, ordersCsv, postCsv, postJson } from './support/http.js';
import { Pipeline } from './support/pipeline.js';
import { EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

const SECRET = 'socket-auth-test-secret-0123456789abcdef';
const tokens = new SocketTokens(SECRET);
/** Socket.IO's EVENT packet type. */
const EVENT = 2;

/** A decoded Socket.IO packet, as the connection's manager sees it. */
interface Packet {
  type: number;
  data?: unknown;
}

interface Client {
  socket: TestSocket;
  log: EventLog;
  /** Every packet the connection received, delivered to the application or not. */
  packets: Packet[];
  /** The token the next (re)connection presents. */
  token: string | undefined;
}

/** A socket.io-client that presents `client.token` at each connection and does not reconnect by itself. */
function client(url: string, token: string | undefined, options: { extraHeaders?: Record<string, string> } = {}): Client {
  const log = new EventLog();
  const packets: Packet[] = [];
  const state = { token } as Client;
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    autoConnect: false,
    auth: (callback) => callback(state.token === undefined ? {} : { token: state.token }),
    ...options,
  });
  socket.io.on('packet', (packet: Packet) => packets.push(packet));
  socket.onAny((name: string, payload: unknown) => log.record(name, payload));
  return Object.assign(state, { socket, log, packets });
}

/** Connects; resolves with whether the session was recovered, rejects with the connect_error. */
function open(connection: Client): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const { socket } = connection;
    const onConnect = () => {
      socket.off('connect_error', onError);
      resolve(socket.recovered);
    };
    const onError = (error: Error) => {
      socket.off('connect', onConnect);
      reject(error);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
    socket.connect();
  });
}

async function refusal(connection: Client): Promise<{ message: string; data: unknown }> {
  try {
    await open(connection);
  } catch (error) {
    return { message: (error as Error).message, data: (error as Error & { data?: unknown }).data };
  }
  assert.fail('the connection was accepted');
}

function subscribe(connection: Client, target: { uploadId: string } | { logId: string }): Promise<unknown> {
  return new Promise((resolve) => connection.socket.emit('subscribe', target, resolve));
}

/** Drops the transport as a network failure would: the server sees "transport close" and keeps the session for recovery. */
async function dropTransport(connection: Client): Promise<void> {
  const disconnected = new Promise<string>((resolve) => connection.socket.once('disconnect', resolve));
  connection.socket.io.engine.close();
  await disconnected;
}

function lifecycleIds(connection: Client): Set<string> {
  return new Set(connection.log.events.filter((event) => event.name !== 'stats-updated' && event.name !== 'connection-success').map((event) => String(event.payload['logId'])));
}

/** Event packets that mention `logId`, whether or not the client let them through. */
function packetsAbout(connection: Client, logId: string, from = 0): Packet[] {
  return connection.packets.slice(from).filter((packet) => packet.type === EVENT && JSON.stringify(packet.data).includes(logId));
}

describe('Socket.IO with SOCKET_AUTH_SECRET: tokens on connect and on recovery, events by grant', () => {
  let pipeline: Pipeline;
  let gateway: string;
  const clients: Client[] = [];
  const connect = async (token: string | undefined): Promise<Client> => {
    const connection = client(gateway, token);
    clients.push(connection);
    await open(connection);
    return connection;
  };
  const adminToken = () => tokens.sign({ uploads: '*', logs: '*', sub: 'test-admin' }, 600);
  /** Sends one message; resolves with its logId once `observer` has seen it completed. */
  const sendAndWait = async (observer: Client): Promise<string> => {
    const sent = await postJson(`${pipeline.producerUrl}/producers/send/single`, order());
    const logId = String(sent.body['logId']);
    await observer.log.waitFor(`${logId} completed`, (event) => event.name === 'processing-completed' && event.payload['logId'] === logId);
    return logId;
  };
  /**
   * A connection with a token that sees everything, which saw one message (so that it holds a
   * stream offset to recover from), then lost its transport while another message went through.
   * Resolves with the missed message's logId and how many packets the connection had before.
   */
  const disconnectedWhileOneMessageWent = async (): Promise<{ connection: Client; missed: string; before: number }> => {
    const connection = await connect(await adminToken());
    await sendAndWait(connection);
    await dropTransport(connection);
    const missed = await sendAndWait(admin);
    return { connection, missed, before: connection.packets.length };
  };

  // Two uploads and a single message, accepted before any worker runs, so that every client is
  // connected before the first event.
  let first: Record<string, unknown>;
  let second: Record<string, unknown>;
  let single: Record<string, unknown>;
  let admin: Client;
  let firstOnly: Client;
  let secondOnly: Client;
  let singleOnly: Client;

  before(async () => {
    pipeline = await Pipeline.start({ consumers: 0, redis: true, env: { SOCKET_AUTH_SECRET: SECRET, SOCKET_RECOVERY_WINDOW_MS: '60000' } });
    gateway = pipeline.gatewayUrl();
    first = (await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(250))).body;
    second = (await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(120))).body;
    single = (await postJson(`${pipeline.producerUrl}/producers/send/single`, order())).body;
    admin = await connect(await adminToken());
    firstOnly = await connect(String(first['socketToken']));
    secondOnly = await connect(String(second['socketToken']));
    singleOnly = await connect(String(single['socketToken']));
  });
  after(async () => {
    for (const connection of clients) connection.socket.close();
    await pipeline?.stop();
  });

  it('refuses a connection without a token, with an expired one, or one signed with another secret, saying why', async () => {
    const cases: Array<[string | undefined, string, RegExp]> = [
      [undefined, 'missing', /requires a token/],
      [await tokens.sign({ uploads: '*', logs: '*' }, -60), 'expired', /expired at/],
      [await new SocketTokens('another-secret-0123456789abcdef-012345').sign({ uploads: '*', logs: '*' }, 60), 'invalid', /signature/],
      ['not-a-token', 'invalid', /not valid/],
    ];
    for (const [token, reason, message] of cases) {
      const connection = client(gateway, token);
      clients.push(connection);
      const refused = await refusal(connection);
      assert.deepEqual(refused.data, { code: 'UNAUTHORIZED', reason });
      assert.match(refused.message, message);
    }
  });

  it('takes the token from Authorization: Bearer too (Node.js clients)', async () => {
    const connection = client(gateway, undefined, { extraHeaders: { authorization: `Bearer ${await adminToken()}` } });
    clients.push(connection);
    assert.equal(await open(connection), false);
  });

  it('refuses subscriptions beyond the token: FORBIDDEN', async () => {
    assert.deepEqual(await subscribe(firstOnly, { uploadId: String(second['uploadId']) }), {
      ok: false,
      error: { code: 'FORBIDDEN', message: `Your token does not allow uploadId ${String(second['uploadId'])}` },
    });
    assert.equal(((await subscribe(firstOnly, { logId: String(single['logId']) })) as { ok: boolean }).ok, false);
    assert.deepEqual(await subscribe(firstOnly, { uploadId: String(first['uploadId']) }), { ok: true, rooms: [`upload:${String(first['uploadId'])}`] });
  });

  it('sends each client the events of what its token allows, and nothing of the rest', async () => {
    await pipeline.addConsumer();
    const firstIds = first['logIds'] as string[];
    const secondIds = second['logIds'] as string[];
    const everything = [...firstIds, ...secondIds, String(single['logId'])];
    await admin.log.waitFor('every message completed', (event) => event.name === 'processing-completed', everything.length);
    await firstOnly.log.waitFor('the first upload completed', (event) => event.name === 'processing-completed', firstIds.length);
    await secondOnly.log.waitFor('the second upload completed', (event) => event.name === 'processing-completed', secondIds.length);
    await singleOnly.log.waitFor('the single message completed', (event) => event.name === 'processing-completed');

    assert.deepEqual([...lifecycleIds(admin)].sort(), [...everything].sort(), 'the admin token sees everything');
    assert.deepEqual([...lifecycleIds(firstOnly)].sort(), [...firstIds].sort());
    assert.deepEqual([...lifecycleIds(secondOnly)].sort(), [...secondIds].sort());
    assert.deepEqual([...lifecycleIds(singleOnly)], [single['logId']]);
    for (const [connection, ids] of [[firstOnly, firstIds], [secondOnly, secondIds]] as const) {
      assert.equal(connection.log.named('message-received').length, ids.length, 'each batch once');
      assert.equal(connection.log.named('processing-completed').length, ids.length);
    }
    for (const connection of [firstOnly, secondOnly, singleOnly]) {
      const others = everything.filter((logId) => !lifecycleIds(connection).has(logId));
      for (const logId of others) assert.deepEqual(packetsAbout(connection, logId), [], 'not even on the wire');
    }
  });

  it('guards the status endpoints with the same token: 401 without, 403 beyond the grant (unknown ids alike)', async () => {
    const get = (path: string, token?: string) =>
      fetch(`${gateway}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }).then(async (response) => ({
        status: response.status,
        challenge: response.headers.get('www-authenticate'),
        body: (await response.json()) as Record<string, unknown>,
      }));
    const firstToken = String(first['socketToken']);
    const batch = (first['logIds'] as string[])[0]!;
    assert.equal((await get(`/api/uploads/${String(first['uploadId'])}`, firstToken)).status, 200);
    assert.equal((await get(`/api/logs/${batch}`, firstToken)).status, 200, "a batch's logId through its upload");
    assert.equal((await get('/api/stats', firstToken)).status, 200);
    for (const path of [`/api/uploads/${String(second['uploadId'])}`, `/api/logs/${String(single['logId'])}`, `/api/logs/${randomUUID()}`]) {
      const answer = await get(path, firstToken);
      assert.equal(answer.status, 403, path);
      assert.equal(answer.body['code'], 'FORBIDDEN');
    }
    const anonymous = await get('/api/stats');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body['code'], 'UNAUTHORIZED');
    assert.equal(anonymous.challenge, 'Bearer realm="flowcast"');
    assert.equal((await get('/api/stats', 'not-a-token')).challenge, 'Bearer realm="flowcast", error="invalid_token"');
    assert.equal((await get(`/api/logs/${String(single['logId'])}`, await adminToken())).status, 200);
  });

  it('verifies the token again on recovery: a refused token gets nothing of what it missed, a valid one gets all of it', async () => {
    const { connection: recovering, missed: logId, before } = await disconnectedWhileOneMessageWent();
    recovering.token = 'not-a-token';
    assert.deepEqual((await refusal(recovering)).data, { code: 'UNAUTHORIZED', reason: 'invalid' });
    assert.deepEqual(packetsAbout(recovering, logId, before), [], 'no missed packet replayed to a refused token');

    recovering.token = await adminToken();
    assert.equal(await open(recovering), true, 'the session recovers with a valid token');
    const replayed = await recovering.log.waitFor('the missed events', (event) => event.payload['logId'] === logId && event.name === 'processing-completed');
    assert.equal(replayed.length, 1);
    assert.deepEqual(
      recovering.log.forLog(logId).map((event) => event.name),
      ['message-received', 'processing-started', 'processing-completed'],
    );
  });

  it('does not recover a session whose rooms the new token does not allow: a new session, nothing replayed', async () => {
    const { connection: narrowed, missed: logId, before } = await disconnectedWhileOneMessageWent();
    narrowed.token = await tokens.sign({ uploads: [randomUUID()] }, 600);
    assert.equal(await open(narrowed), false, 'a new session');
    assert.deepEqual(packetsAbout(narrowed, logId, before), []);
  });

  it('ends the connection when its token expires, and refuses the reconnection as expired', async () => {
    const expiring = await connect(await tokens.sign({ uploads: '*', logs: '*' }, 1));
    const reason = await new Promise<string>((resolve) => expiring.socket.once('disconnect', resolve));
    assert.equal(reason, 'transport close');
    assert.deepEqual((await refusal(expiring)).data, { code: 'UNAUTHORIZED', reason: 'expired' });
  });

  it("lets @flowcast/client follow an upload with the producer's token, though its own connection has none", async () => {
    const flowcast = connectFlowcast({ gatewayUrl: gateway, producerUrl: pipeline.producerUrl, socket: { transports: ['websocket'], reconnection: false } });
    try {
      const refused = await new Promise<ConnectionChange>((resolve) => flowcast.onConnectionChange((change) => change.unauthorized && resolve(change)));
      assert.equal(refused.unauthorized, 'missing');
      const upload = flowcast.uploadCsv(ordersCsv(150));
      const final = await upload.done;
      assert.equal(final.status, 'COMPLETED');
      assert.equal(final.processedRows, 150);
    } finally {
      flowcast.close();
    }
  });

  it('keeps serving the clients it let in: statistics reach a restricted one too', async () => {
    await waitFor('stats to reach a restricted client', () => (firstOnly.log.named('stats-updated').length > 0 ? true : undefined));
    assert.ok(firstOnly.socket.connected && admin.socket.connected);
  });
});
