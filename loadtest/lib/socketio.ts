/**
 * Engine.IO v4 / Socket.IO v5 over one WebSocket, as text frames: what a load client needs
 * (handshake, namespace connect, events, acknowledgements, ping/pong) and nothing tied to a
 * transport, so that the k6 scripts and the Node tests drive it with their own WebSocket.
 *
 * On the WebSocket transport every frame is one Engine.IO packet (no `\x1e` batching, which
 * only long-polling uses): `0{…}` open, `2` ping from the server (answered `3`), `1` close,
 * `6` noop, and `4…` a Socket.IO packet: `0` connect, `1` disconnect, `2` event, `3` ack,
 * `4` connect error, then an optional `/namespace,`, an optional ack id and JSON data, e.g.
 * `40`, `40{"sid":"…"}`, `42["processing-completed",{…}]`, `421["subscribe",{…}]`, `431[{…}]`.
 * Binary packets (`5`, `6`: attachments) are refused: Flowcast's events are JSON.
 *
 * This module uses no k6 or Node API.
 */

/** The Engine.IO `open` packet's handshake. */
export interface EngineHandshake {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** What one frame from the server means. */
export type ServerFrame =
  | { type: 'open'; handshake: EngineHandshake }
  | { type: 'ping' }
  | { type: 'close' }
  | { type: 'noop' }
  | { type: 'connect'; namespace: string; sid: string; pid?: string }
  | { type: 'connect-error'; namespace: string; message: string; data?: unknown }
  | { type: 'disconnect'; namespace: string }
  | { type: 'event'; namespace: string; name: string; args: unknown[]; ackId?: number }
  | { type: 'ack'; namespace: string; ackId: number; args: unknown[] };

export class SocketIoProtocolError extends Error {
  override readonly name = 'SocketIoProtocolError';
  constructor(
    message: string,
    readonly frame: string,
  ) {
    super(`${message}: ${frame.length > 200 ? `${frame.slice(0, 200)}…` : frame}`);
  }
}

const ENGINE = { open: '0', close: '1', ping: '2', pong: '3', message: '4', upgrade: '5', noop: '6' } as const;
const SOCKET = { connect: '0', disconnect: '1', event: '2', ack: '3', connectError: '4', binaryEvent: '5', binaryAck: '6' } as const;

/** The Engine.IO `pong` frame, the answer to every `ping`. */
export const PONG_FRAME = ENGINE.pong;

/**
 * The WebSocket URL of a Socket.IO server at `baseUrl` (http, https, ws or wss), for a client
 * that starts directly on the WebSocket transport, as `transports: ['websocket']` does.
 */
export function socketIoUrl(baseUrl: string, path = '/socket.io/'): string {
  const match = /^(https?|wss?):\/\/([^/?#]+)/i.exec(baseUrl);
  if (match === null) throw new Error(`not an http(s) or ws(s) URL: ${baseUrl}`);
  const scheme = match[1]!.toLowerCase();
  const secure = scheme === 'https' || scheme === 'wss';
  const normalisedPath = `/${path.replace(/^\/+|\/+$/g, '')}/`;
  return `${secure ? 'wss' : 'ws'}://${match[2]}${normalisedPath}?EIO=4&transport=websocket`;
}

/** Parses one text frame received from the server. */
export function parseFrame(frame: string): ServerFrame {
  switch (frame[0]) {
    case ENGINE.open:
      return { type: 'open', handshake: parseHandshake(frame) };
    case ENGINE.ping:
      // `2probe` only appears during a polling → WebSocket upgrade, which this client never does.
      return { type: 'ping' };
    case ENGINE.close:
      return { type: 'close' };
    case ENGINE.noop:
      return { type: 'noop' };
    case ENGINE.message:
      return parseSocketPacket(frame);
    default:
      throw new SocketIoProtocolError('not an Engine.IO packet', frame);
  }
}

/** `40` (or `40/ns,`) with optional auth data: asks to join a namespace. */
export function encodeConnect(namespace = '/', auth?: Record<string, unknown>): string {
  return `${ENGINE.message}${SOCKET.connect}${namespacePrefix(namespace)}${auth === undefined ? '' : JSON.stringify(auth)}`;
}

/** `41`: leaves a namespace. */
export function encodeDisconnect(namespace = '/'): string {
  return `${ENGINE.message}${SOCKET.disconnect}${namespacePrefix(namespace)}`;
}

/** `42["name",…args]`, with an ack id when the sender wants an answer (`421[…]`). */
export function encodeEvent(name: string, args: readonly unknown[] = [], options: { ackId?: number; namespace?: string } = {}): string {
  const ackId = options.ackId === undefined ? '' : String(checkAckId(options.ackId));
  return `${ENGINE.message}${SOCKET.event}${namespacePrefix(options.namespace ?? '/')}${ackId}${JSON.stringify([name, ...args])}`;
}

/** `43<id>[…args]`: answers an event the server sent with an ack id. */
export function encodeAck(ackId: number, args: readonly unknown[] = [], namespace = '/'): string {
  return `${ENGINE.message}${SOCKET.ack}${namespacePrefix(namespace)}${checkAckId(ackId)}${JSON.stringify(args)}`;
}

/** What the client should send after receiving a frame, and what the frame meant. */
export interface Received {
  frame: ServerFrame;
  /** Frames to send back at once, in order (the connect after `open`, the pong after a ping). */
  replies: string[];
}

/**
 * One client connection's protocol state: it answers the handshake with a connect to its
 * namespace and every ping with a pong, numbers acknowledgements, and knows whether it is
 * connected. The caller owns the WebSocket: it passes each text frame to `receive` and sends
 * the replies.
 */
export class SocketIoSession {
  readonly namespace: string;
  readonly #auth: Record<string, unknown> | undefined;
  #nextAckId = 0;
  handshake: EngineHandshake | undefined;
  /** The Socket.IO session id once the namespace accepted the connection. */
  sid: string | undefined;

  constructor(options: { namespace?: string; auth?: Record<string, unknown> } = {}) {
    this.namespace = options.namespace ?? '/';
    this.#auth = options.auth;
  }

  get connected(): boolean {
    return this.sid !== undefined;
  }

  receive(text: string): Received {
    const frame = parseFrame(text);
    switch (frame.type) {
      case 'open':
        this.handshake = frame.handshake;
        return { frame, replies: [encodeConnect(this.namespace, this.#auth)] };
      case 'ping':
        return { frame, replies: [PONG_FRAME] };
      case 'connect':
        if (frame.namespace === this.namespace) this.sid = frame.sid;
        return { frame, replies: [] };
      case 'disconnect':
      case 'close':
        if (frame.type === 'close' || frame.namespace === this.namespace) this.sid = undefined;
        return { frame, replies: [] };
      case 'connect-error':
      case 'event':
      case 'ack':
      case 'noop':
        return { frame, replies: [] };
    }
  }

  /** The frame of an event to the server; with `expectAck`, also the id its ack will carry. */
  emit(name: string, args: readonly unknown[] = [], { expectAck = false } = {}): { frame: string; ackId?: number } {
    if (!expectAck) return { frame: encodeEvent(name, args, { namespace: this.namespace }) };
    const ackId = this.#nextAckId;
    this.#nextAckId += 1;
    return { frame: encodeEvent(name, args, { namespace: this.namespace, ackId }), ackId };
  }
}

function parseHandshake(frame: string): EngineHandshake {
  const data = parseJson(frame.slice(1), frame);
  if (!isRecord(data) || typeof data['sid'] !== 'string' || typeof data['pingInterval'] !== 'number' || typeof data['pingTimeout'] !== 'number') {
    throw new SocketIoProtocolError('an open packet without sid, pingInterval and pingTimeout', frame);
  }
  return {
    sid: data['sid'],
    upgrades: Array.isArray(data['upgrades']) ? data['upgrades'].filter((entry): entry is string => typeof entry === 'string') : [],
    pingInterval: data['pingInterval'],
    pingTimeout: data['pingTimeout'],
    maxPayload: typeof data['maxPayload'] === 'number' ? data['maxPayload'] : 0,
  };
}

function parseSocketPacket(frame: string): ServerFrame {
  const kind = frame[1];
  if (kind === SOCKET.binaryEvent || kind === SOCKET.binaryAck) throw new SocketIoProtocolError('binary packets are not supported', frame);
  let position = 2;
  let namespace = '/';
  if (frame[position] === '/') {
    const comma = frame.indexOf(',', position);
    const end = comma === -1 ? frame.length : comma;
    namespace = frame.slice(position, end);
    position = comma === -1 ? end : comma + 1;
  }
  let digits = '';
  while (position < frame.length && frame[position]! >= '0' && frame[position]! <= '9') {
    digits += frame[position];
    position += 1;
  }
  const ackId = digits === '' ? undefined : Number(digits);
  const body = frame.slice(position);
  const data = body === '' ? undefined : parseJson(body, frame);
  switch (kind) {
    case SOCKET.connect: {
      if (!isRecord(data) || typeof data['sid'] !== 'string') throw new SocketIoProtocolError('a connect packet without sid', frame);
      return { type: 'connect', namespace, sid: data['sid'], ...(typeof data['pid'] === 'string' ? { pid: data['pid'] } : {}) };
    }
    case SOCKET.connectError: {
      const message = isRecord(data) && typeof data['message'] === 'string' ? data['message'] : String(data);
      return { type: 'connect-error', namespace, message, ...(isRecord(data) && 'data' in data ? { data: data['data'] } : {}) };
    }
    case SOCKET.disconnect:
      return { type: 'disconnect', namespace };
    case SOCKET.event: {
      if (!Array.isArray(data) || typeof data[0] !== 'string') throw new SocketIoProtocolError('an event packet without a name', frame);
      const [name, ...args] = data as [string, ...unknown[]];
      return { type: 'event', namespace, name, args, ...(ackId === undefined ? {} : { ackId }) };
    }
    case SOCKET.ack: {
      if (ackId === undefined || !Array.isArray(data)) throw new SocketIoProtocolError('an ack packet without id or arguments', frame);
      return { type: 'ack', namespace, ackId, args: data };
    }
    default:
      throw new SocketIoProtocolError('not a Socket.IO packet', frame);
  }
}

function namespacePrefix(namespace: string): string {
  if (namespace === '/' || namespace === '') return '';
  if (!namespace.startsWith('/') || namespace.includes(',')) throw new Error(`not a namespace: ${namespace}`);
  return `${namespace},`;
}

function checkAckId(ackId: number): number {
  if (!Number.isInteger(ackId) || ackId < 0) throw new Error(`an ack id is a whole number ≥ 0, got ${ackId}`);
  return ackId;
}

function parseJson(text: string, frame: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SocketIoProtocolError('invalid JSON', frame);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
