import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Server as SocketServer } from 'socket.io';
import type { CsvAccepted, UploadProgress } from '@flowcast/common/contracts';
import { GATEWAY_ROUTES, INGEST_ROUTES } from '@flowcast/common/contracts';
import { FlowcastClosedError, connect } from './client.js';

const uploadId = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const accepted: CsvAccepted = {
  uploadId,
  dataType: 'CSV_BATCH',
  totalRows: 2,
  batchCount: 1,
  logIds: ['00000000-0000-4000-8000-000000000001'],
  acceptedAt: '2025-11-01T10:00:00.000Z',
};
const inProgress: UploadProgress = {
  uploadId,
  status: 'IN_PROGRESS',
  totalBatches: 1,
  totalRows: 2,
  receivedBatches: 1,
  processedBatches: 0,
  failedBatches: 0,
  processedRows: 0,
  failedRows: 0,
  progress: 0,
  updatedAt: '2025-11-01T10:00:01.000Z',
};

/**
 * The edges the client talks to, standing in for a producer and a gateway: the upload is
 * accepted, the subscription acknowledged, and no event is ever sent, as for a client whose
 * events went out while it moved between replicas; the status view answers what `status` holds.
 */
class FakeFlowcast {
  status: UploadProgress = inProgress;
  statusRequests = 0;
  /** Status requests are left unanswered while this is set (a replica that hangs mid-answer). */
  hang = false;
  readonly #http: Server;
  readonly #io: SocketServer;

  constructor() {
    this.#http = createServer((request, response) => this.#answer(request, response));
    this.#io = new SocketServer(this.#http);
    this.#io.on('connection', (socket) => {
      socket.on('subscribe', (_target: unknown, ack: (answer: unknown) => void) => ack({ ok: true, rooms: [`upload:${uploadId}`] }));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#http.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.#io.engine.clientsCount;
  }

  async close(): Promise<void> {
    this.#http.closeAllConnections();
    await this.#io.close();
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    const reply = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'POST' && request.url === INGEST_ROUTES.csv) return void request.on('end', () => reply(accepted));
    if (request.url === `${GATEWAY_ROUTES.uploads}/${uploadId}`) {
      this.statusRequests += 1;
      if (!this.hang) reply(this.status);
      return;
    }
    response.writeHead(404).end();
  }
}

describe('FlowcastClient follows an upload whatever reaches it', () => {
  const edges = new FakeFlowcast();
  before(() => edges.listen());
  after(() => edges.close());

  it('completes from the status view alone when no event arrives, and asks it again at most every 2 s meanwhile', async () => {
    edges.status = inProgress;
    edges.statusRequests = 0;
    const client = connect({ gatewayUrl: edges.url, producerUrl: edges.url, socket: { transports: ['websocket'] } });
    try {
      const upload = client.uploadCsv('orderNumber\nORD-1\nORD-2\n');
      await upload.accepted;
      await waitUntil(() => edges.statusRequests >= 2, 5_000);
      const asked = edges.statusRequests;
      await sleep(1_000);
      assert.ok(edges.statusRequests - asked <= 1, `at most one request per 2 s while quiet (${edges.statusRequests - asked} in 1 s)`);
      edges.status = { ...inProgress, status: 'COMPLETED', processedBatches: 1, processedRows: 2, progress: 100, updatedAt: '2025-11-01T10:00:02.000Z' };
      const final = await withinMs(upload.done, 3_000);
      assert.equal(final.status, 'COMPLETED');
      assert.equal(final.processedRows, 2);
    } finally {
      client.close();
    }
  });

  it('a status request that hangs fails after requestTimeoutMs and the next one is made', async () => {
    edges.status = inProgress;
    edges.statusRequests = 0;
    edges.hang = true;
    const client = connect({ gatewayUrl: edges.url, producerUrl: edges.url, socket: { transports: ['websocket'] }, requestTimeoutMs: 300 });
    try {
      const upload = client.uploadCsv('orderNumber\nORD-1\nORD-2\n');
      await waitUntil(() => edges.statusRequests >= 1, 5_000);
      edges.hang = false;
      edges.status = { ...inProgress, status: 'COMPLETED', processedBatches: 1, processedRows: 2, progress: 100 };
      assert.equal((await withinMs(upload.done, 4_000)).status, 'COMPLETED');
      assert.ok(edges.statusRequests >= 2);
    } finally {
      edges.hang = false;
      client.close();
    }
  });

  it('close() ends the uploads being followed with FlowcastClosedError and closes their connections', async () => {
    edges.status = inProgress;
    const client = connect({ gatewayUrl: edges.url, producerUrl: edges.url, socket: { transports: ['websocket'] } });
    const upload = client.uploadCsv('orderNumber\nORD-1\nORD-2\n');
    await upload.accepted;
    await waitUntil(() => edges.connections === 2, 5_000);
    const iterated = (async () => {
      for await (const progress of upload) assert.equal(progress.status, 'IN_PROGRESS');
    })();
    client.close();
    await assert.rejects(withinMs(upload.done, 1_000), FlowcastClosedError);
    await assert.rejects(withinMs(iterated, 1_000), FlowcastClosedError);
    await waitUntil(() => edges.connections === 0, 5_000);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
