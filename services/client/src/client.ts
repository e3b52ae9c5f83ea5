import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  ClientToServerEvents,
  CsvAccepted,
  DashboardConfig,
  ErrorBody,
  IngestRecord,
  LogStatus,
  ServerToClientEvents,
  SingleAccepted,
  SocketConnectErrorData,
  StatsUpdatedPayload,
  SubscriptionAck,
  SubscriptionTarget,
  UploadProgress,
} from '@flowcast/common/contracts';
import { CSV_FILE_FIELD, GATEWAY_ROUTES, INGEST_ROUTES } from '@flowcast/common/contracts';
import { UploadTracker } from './upload-tracker.js';

/** A Socket.IO socket with Flowcast's events: every `on` and `emit` is checked at compile time. */
export type FlowcastSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ServerEvent = keyof ServerToClientEvents;
export type ServerEventPayload<Event extends ServerEvent> = Parameters<ServerToClientEvents[Event]>[0];

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';
export interface ConnectionChange {
  state: ConnectionState;
  /** On `connected`: whether the server replayed what was missed (connection state recovery). */
  recovered?: boolean;
  /** On `reconnecting`: the attempt number. */
  attempt?: number;
  /** On `reconnecting` or `disconnected`: why. */
  reason?: string;
  /** On `disconnected`: the gateway refused the token (missing, invalid or expired). */
  unauthorized?: SocketConnectErrorData['reason'];
}

/** A token, or a function that gives the current one: it is called at each (re)connection. */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

export interface FlowcastClientOptions {
  /** The gateway (Socket.IO and the status API). Default: the page's own origin in a browser. */
  gatewayUrl?: string;
  /** The producer's HTTP API. Default: http://localhost:3000. */
  producerUrl?: string;
  /** Passed to socket.io-client; the default transports are WebSocket with polling as the fallback. */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /**
   * The gateway's token, where it has SOCKET_AUTH_SECRET: sent in the Socket.IO handshake and as
   * `Authorization: Bearer` to the status endpoints. A function is asked again at each reconnection.
   */
  token?: TokenSource;
  /** The producer's API key, where it has API_KEYS: sent as `Authorization: Bearer`. */
  apiKey?: string;
  /**
   * How long a status or ingest request may take before it fails (a replica that died
   * mid-answer). CSV uploads are not bounded by it: a large file takes as long as it takes.
   * Default: 30 s.
   */
  requestTimeoutMs?: number;
}

/** An HTTP error from Flowcast, with its error body (code, message, row/column/field). */
export class FlowcastHttpError extends Error {
  override readonly name = 'FlowcastHttpError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
  get code(): ErrorBody['code'] | undefined {
    return this.body?.code;
  }
}

/** `subscribe` or `unsubscribe` was refused by the gateway. */
export class FlowcastSubscriptionError extends Error {
  override readonly name = 'FlowcastSubscriptionError';
}

/** The client was closed while an upload was being followed. */
export class FlowcastClosedError extends Error {
  override readonly name = 'FlowcastClosedError';
  constructor() {
    super('the Flowcast client was closed');
  }
}

export interface UploadCsvOptions {
  /** Called with each new figure, as the upload's events arrive. */
  onProgress?: (progress: UploadProgress) => void;
  /** Stops following the upload (the upload itself goes on). */
  signal?: AbortSignal;
  /**
   * Follows the upload with this token rather than the one the producer's answer carries (when
   * it shares the gateway's secret) or the client's own.
   */
  token?: TokenSource;
  /** The file name sent with the multipart body. */
  fileName?: string;
}

/**
 * A CSV upload being followed. Iterate it for each new figure; `done` resolves when every
 * batch has been processed or has failed.
 */
export interface CsvUpload extends AsyncIterable<UploadProgress> {
  /** The producer's answer: uploadId, batch logIds, row count. Rejects with FlowcastHttpError. */
  readonly accepted: Promise<CsvAccepted>;
  /** The last figure: status COMPLETED or COMPLETED_WITH_FAILURES. */
  readonly done: Promise<UploadProgress>;
}

/** A narrow connection of its own that receives only one message's or one upload's events. */
export interface Followed {
  readonly socket: FlowcastSocket;
  /** The rooms once the gateway has acknowledged the subscription. */
  readonly subscribed: Promise<string[]>;
  on<Event extends ServerEvent>(event: Event, listener: ServerToClientEvents[Event]): () => void;
  /**
   * Called whenever events may have been missed: after each (re)subscription, and after a
   * reconnection the gateway recovered (recovery is best effort); reload from REST.
   */
  onResubscribed(listener: () => void): () => void;
  close(): void;
}

const DEFAULT_PRODUCER_URL = 'http://localhost:3000';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Status requests of one upload are at least this far apart. */
const SNAPSHOT_EVERY_MS = 250;
/**
 * While an upload is in progress and no event says anything new, its status is asked again this
 * often: events sent while this client's connection moved between gateways are in the view only.
 */
const QUIET_POLL_MS = 2_000;

/**
 * Flowcast from a client's side: the live events of every message over one Socket.IO
 * connection, subscriptions, the ingest API and the status API, all typed by the contract.
 */
export class FlowcastClient {
  readonly socket: FlowcastSocket;
  readonly gatewayUrl: string;
  readonly producerUrl: string;
  readonly #socketOptions: Partial<ManagerOptions & SocketOptions>;
  readonly #subscriptions = new Map<string, SubscriptionTarget>();
  readonly #connectionListeners = new Set<(change: ConnectionChange) => void>();
  /** What `close` ends: the follow connections and the uploads being followed. */
  readonly #closers = new Set<() => void>();
  readonly #requestTimeoutMs: number;
  #state: ConnectionChange = { state: 'connecting' };
  #token: TokenSource | undefined;
  #apiKey: string | undefined;

  constructor(options: FlowcastClientOptions = {}) {
    this.gatewayUrl = trimSlash(options.gatewayUrl ?? pageOrigin());
    this.producerUrl = trimSlash(options.producerUrl ?? DEFAULT_PRODUCER_URL);
    this.#token = options.token;
    this.#apiKey = options.apiKey;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#socketOptions = { transports: ['websocket', 'polling'], ...options.socket };
    this.socket = io(this.gatewayUrl, { ...this.#socketOptions, auth: handshakeAuth(() => this.#token) });
    this.socket.on('connect', () => {
      this.#setState({ state: 'connected', recovered: this.socket.recovered });
      // Rooms survive only a recovered session; otherwise subscribe again.
      if (!this.socket.recovered) for (const target of this.#subscriptions.values()) this.socket.emit('subscribe', target);
    });
    this.socket.on('disconnect', (reason) => {
      this.#setState({ state: this.socket.active ? 'reconnecting' : 'disconnected', reason });
    });
    this.socket.on('connect_error', (error) => {
      const refused = refusal(error);
      if (!this.socket.active) this.#setState({ state: 'disconnected', reason: error.message, ...(refused === undefined ? {} : { unauthorized: refused }) });
    });
    this.socket.io.on('reconnect_attempt', (attempt) => this.#setState({ state: 'reconnecting', attempt }));
  }

  get connection(): ConnectionChange {
    return this.#state;
  }

  /**
   * Changes the gateway token (after a refusal, or before it expires) and reconnects with it.
   * Follow connections opened later use it too.
   */
  setToken(token: TokenSource | undefined): void {
    this.#token = token;
    this.socket.disconnect().connect();
  }

  /** Changes the producer API key of later requests. */
  setApiKey(apiKey: string | undefined): void {
    this.#apiKey = apiKey;
  }

  /** Calls `listener` now and at every change of the connection; returns a function that stops it. */
  onConnectionChange(listener: (change: ConnectionChange) => void): () => void {
    this.#connectionListeners.add(listener);
    listener(this.#state);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Listens to one event; returns a function that stops listening. */
  on<Event extends ServerEvent>(event: Event, listener: ServerToClientEvents[Event]): () => void {
    return listen(this.socket, event, listener);
  }

  /**
   * Narrows this connection to the events of `target` (and of its other subscriptions); kept
   * across reconnects. Resolves with the rooms. To keep every event here and follow one
   * message or upload too, use `follow`.
   */
  async subscribe(target: SubscriptionTarget): Promise<string[]> {
    const rooms = await ack(this.socket, 'subscribe', target);
    this.#subscriptions.set(keyOf(target), target);
    return rooms;
  }

  async unsubscribe(target: SubscriptionTarget): Promise<string[]> {
    const rooms = await ack(this.socket, 'unsubscribe', target);
    this.#subscriptions.delete(keyOf(target));
    return rooms;
  }

  /**
   * Opens a connection of its own subscribed to `target`, so that this one keeps every event;
   * with `token`, that connection presents it instead of the client's.
   */
  follow(target: SubscriptionTarget, { token }: { token?: TokenSource } = {}): Followed {
    const socket: FlowcastSocket = io(this.gatewayUrl, { ...this.#socketOptions, forceNew: true, auth: handshakeAuth(() => token ?? this.#token) });
    const resubscribed = new Set<() => void>();
    let first: { resolve: (rooms: string[]) => void; reject: (error: unknown) => void } | undefined;
    const subscribed = new Promise<string[]>((resolve, reject) => (first = { resolve, reject }));
    subscribed.catch(() => undefined);
    socket.on('connect', () => {
      if (socket.recovered) {
        for (const listener of resubscribed) listener();
        return;
      }
      ack(socket, 'subscribe', target).then(
        (rooms) => {
          first?.resolve(rooms);
          first = undefined;
          for (const listener of resubscribed) listener();
        },
        (error: unknown) => {
          first?.reject(error);
          first = undefined;
        },
      );
    });
    const close = () => {
      this.#closers.delete(close);
      first?.reject(new FlowcastSubscriptionError('closed before the subscription was acknowledged'));
      socket.close();
    };
    this.#closers.add(close);
    return {
      socket,
      subscribed,
      on: (event, listener) => listen(socket, event, listener),
      onResubscribed: (listener) => {
        resubscribed.add(listener);
        return () => resubscribed.delete(listener);
      },
      close,
    };
  }

  /** `POST /producers/send/single`: resolves once Kafka has the message. */
  async sendSingle(record: IngestRecord): Promise<SingleAccepted> {
    return request<SingleAccepted>(`${this.producerUrl}${INGEST_ROUTES.single}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(this.#apiKey) },
      body: JSON.stringify(record),
      signal: this.#deadline(),
    });
  }

  /**
   * Uploads a CSV file and follows its progress: the upload's room for each batch as it is
   * processed, and the status endpoint for what happened before the subscription.
   */
  uploadCsv(file: Blob | string, options: UploadCsvOptions = {}): CsvUpload {
    const form = new FormData();
    form.append(CSV_FILE_FIELD, typeof file === 'string' ? new Blob([file], { type: 'text/csv' }) : file, options.fileName ?? fileNameOf(file));
    const accepted = request<CsvAccepted>(`${this.producerUrl}${INGEST_ROUTES.csv}`, { method: 'POST', body: form, headers: bearer(this.#apiKey) });
    const updates = new UpdateQueue<UploadProgress>();
    const done = accepted.then((answer) => this.#follow(answer, updates, options));
    done.catch((error: unknown) => updates.fail(error));
    return { accepted, done, [Symbol.asyncIterator]: () => updates.iterate() };
  }

  async #follow(accepted: CsvAccepted, updates: UpdateQueue<UploadProgress>, options: UploadCsvOptions): Promise<UploadProgress> {
    const tracker = new UploadTracker(accepted);
    // The answer's own token allows exactly this upload; the client's may not.
    const token = options.token ?? accepted.socketToken ?? this.#token;
    const followed = this.follow({ uploadId: accepted.uploadId }, token === undefined ? {} : { token });
    let lastPublished: UploadProgress | undefined;
    const fingerprint = (progress: UploadProgress, withTime: boolean) => JSON.stringify(withTime ? progress : { ...progress, updatedAt: undefined });
    // A figure is published when it moved; the final one also when only its timestamp did.
    const publish = (progress = tracker.progress, withTime = false) => {
      if (lastPublished !== undefined && fingerprint(lastPublished, withTime) === fingerprint(progress, withTime)) return;
      lastPublished = progress;
      options.onProgress?.(progress);
      updates.push(progress);
    };
    publish();
    return new Promise<UploadProgress>((resolve, reject) => {
      let finished = false;
      let fetching = false;
      let again = false;
      let lastFetchAt = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: { progress: UploadProgress } | { error: unknown }) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        followed.close();
        this.#closers.delete(closed);
        options.signal?.removeEventListener('abort', abort);
        if ('progress' in outcome) {
          // The last figure is the one `done` resolves with, to its timestamp (the status view's may be newer).
          publish(outcome.progress, true);
          updates.end();
          resolve(outcome.progress);
        } else {
          reject(outcome.error);
        }
      };
      const abort = () => finish({ error: options.signal?.reason ?? new Error('aborted') });
      const closed = () => finish({ error: new FlowcastClosedError() });
      const schedule = (delayMs: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          refresh();
        }, delayMs);
      };
      // One status request at a time, at most every SNAPSHOT_EVERY_MS (a burst of events makes one
      // more afterwards), and every QUIET_POLL_MS while nothing else asks.
      const refresh = () => {
        if (finished) return;
        if (fetching) {
          again = true;
          return;
        }
        const wait = lastFetchAt + SNAPSHOT_EVERY_MS - Date.now();
        if (wait > 0) return schedule(wait);
        clearTimeout(timer);
        timer = undefined;
        fetching = true;
        again = false;
        lastFetchAt = Date.now();
        this.#uploadStatus(accepted.uploadId, token)
          .then((snapshot) => {
            if (snapshot !== undefined) tracker.applySnapshot(snapshot);
          })
          .catch(() => undefined)
          .finally(() => {
            fetching = false;
            if (finished) return;
            publish();
            const progress = tracker.progress;
            if (progress.status !== 'IN_PROGRESS') return finish({ progress });
            // Every batch ended but only the status view can give the rows: ask until it can.
            schedule(again || tracker.eventsComplete ? SNAPSHOT_EVERY_MS : QUIET_POLL_MS);
          });
      };
      if (options.signal?.aborted) return abort();
      options.signal?.addEventListener('abort', abort, { once: true });
      this.#closers.add(closed);
      const onTerminal = () => {
        publish();
        refresh();
      };
      followed.on('message-received', (payload) => tracker.applyEvent({ name: 'message-received', payload }) && publish());
      followed.on('processing-completed', (payload) => tracker.applyEvent({ name: 'processing-completed', payload }) && onTerminal());
      followed.on('processing-failed', (payload) => tracker.applyEvent({ name: 'processing-failed', payload }) && onTerminal());
      followed.onResubscribed(refresh);
      followed.subscribed.catch((error: unknown) => finish({ error }));
    });
  }

  /** `GET /api/logs/:logId`; undefined while the gateway has not seen the message. */
  async logStatus(logId: string): Promise<LogStatus | undefined> {
    return request<LogStatus>(`${this.gatewayUrl}${GATEWAY_ROUTES.logs}/${encodeURIComponent(logId)}`, {
      headers: bearer(await tokenOf(this.#token)),
      signal: this.#deadline(),
    }).catch(undefinedOn404);
  }

  /** `GET /api/uploads/:uploadId`; undefined while the gateway has seen none of its batches. */
  uploadStatus(uploadId: string): Promise<UploadProgress | undefined> {
    return this.#uploadStatus(uploadId, this.#token);
  }

  async #uploadStatus(uploadId: string, token: TokenSource | undefined): Promise<UploadProgress | undefined> {
    return request<UploadProgress>(`${this.gatewayUrl}${GATEWAY_ROUTES.uploads}/${encodeURIComponent(uploadId)}`, {
      headers: bearer(await tokenOf(token)),
      signal: this.#deadline(),
    }).catch(undefinedOn404);
  }

  /** `GET /api/stats`: the figures of `stats-updated`, now. */
  async stats(): Promise<StatsUpdatedPayload> {
    return request<StatsUpdatedPayload>(`${this.gatewayUrl}${GATEWAY_ROUTES.stats}`, { headers: bearer(await tokenOf(this.#token)), signal: this.#deadline() });
  }

  /** `GET /config.json` of a gateway that serves the dashboard. */
  dashboardConfig(): Promise<DashboardConfig> {
    return request<DashboardConfig>(`${this.gatewayUrl}${GATEWAY_ROUTES.dashboardConfig}`, { signal: this.#deadline() });
  }

  /**
   * Closes the connection and every follow connection; uploads still being followed reject
   * with FlowcastClosedError (the uploads themselves go on).
   */
  close(): void {
    for (const close of [...this.#closers]) close();
    this.socket.close();
    this.#setState({ state: 'disconnected', reason: 'closed' });
  }

  #deadline(): AbortSignal {
    return AbortSignal.timeout(this.#requestTimeoutMs);
  }

  #setState(change: ConnectionChange): void {
    this.#state = change;
    for (const listener of this.#connectionListeners) listener(change);
  }
}

/** Connects to a Flowcast gateway. */
export function connect(options: FlowcastClientOptions = {}): FlowcastClient {
  return new FlowcastClient(options);
}

function listen<Event extends ServerEvent>(socket: FlowcastSocket, event: Event, listener: ServerToClientEvents[Event]): () => void {
  // socket.io-client's overloads cannot follow a generic event name; the signature above can.
  const untyped = socket as unknown as { on(event: string, listener: unknown): void; off(event: string, listener: unknown): void };
  untyped.on(event, listener);
  return () => untyped.off(event, listener);
}

/** The handshake `auth` of socket.io-client: asked at each (re)connection, so that a fresh token is sent. */
function handshakeAuth(source: () => TokenSource | undefined): (callback: (auth: object) => void) => void {
  return (callback) => {
    tokenOf(source()).then(
      (token) => callback(token === undefined ? {} : { token }),
      () => callback({}),
    );
  };
}

async function tokenOf(source: TokenSource | undefined): Promise<string | undefined> {
  return typeof source === 'function' ? await source() : source;
}

function bearer(credential: string | undefined): Record<string, string> {
  return credential === undefined || credential === '' ? {} : { authorization: `Bearer ${credential}` };
}

/** Why the gateway refused the connection's token, when it did. */
function refusal(error: Error): SocketConnectErrorData['reason'] | undefined {
  const data = (error as Error & { data?: Partial<SocketConnectErrorData> }).data;
  return data?.code === 'UNAUTHORIZED' ? data.reason : undefined;
}

function ack(socket: FlowcastSocket, event: 'subscribe' | 'unsubscribe', target: SubscriptionTarget): Promise<string[]> {
  return new Promise((resolve, reject) => {
    socket.emit(event, target, (answer: SubscriptionAck) => {
      if (answer.ok) resolve(answer.rooms);
      else reject(new FlowcastSubscriptionError(answer.error.message));
    });
  });
}

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) throw new FlowcastHttpError(response.status, isErrorBody(body) ? body : undefined);
  return body as T;
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && 'code' in body && 'message' in body;
}

function undefinedOn404(error: unknown): undefined {
  if (error instanceof FlowcastHttpError && error.status === 404) return undefined;
  throw error;
}

function keyOf(target: SubscriptionTarget): string {
  return 'logId' in target ? `log:${target.logId}` : `upload:${target.uploadId}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function pageOrigin(): string {
  const location = (globalThis as { location?: { origin?: string } }).location;
  if (location?.origin === undefined) throw new Error('gatewayUrl is required outside a browser page');
  return location.origin;
}

function fileNameOf(file: Blob | string): string {
  return typeof file !== 'string' && 'name' in file && typeof file.name === 'string' ? file.name : 'upload.csv';
}

/** Values pushed by a producer and iterated by one consumer; the last one is kept for late readers. */
class UpdateQueue<T> {
  readonly #values: T[] = [];
  readonly #waiting: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }> = [];
  #ended = false;
  #error: unknown;
  #failed = false;

  push(value: T): void {
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter.resolve({ value, done: false });
    else this.#values.push(value);
  }

  end(): void {
    this.#ended = true;
    for (const waiter of this.#waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
  }

  fail(error: unknown): void {
    this.#failed = true;
    this.#error = error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  iterate(): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.#values.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.#failed) return Promise.reject(this.#error);
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
      },
    };
  }
}
