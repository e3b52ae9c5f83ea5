import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { SocketTokenError, SocketTokens, allowsTarget, seesEverything, type SocketAccess } from '@flowcast/common/auth';
import {
  FlowcastError,
  ROOM_ALL,
  socketHandshakeAuthSchema,
  type SocketConnectErrorData,
  type SubscriptionTarget,
} from '@flowcast/common/contracts';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';

/** The challenge of a 401 from the status endpoints (RFC 6750). */
const CHALLENGE = 'Bearer realm="flowcast"';

type Verdict = { access: SocketAccess } | { refused: SocketTokenError };

/** The Socket.IO namespace internals this module wraps; checked at start, so that an upgrade that changes them fails loudly. */
interface NamespaceInternals {
  _createSocket(client: { request: { headers: IncomingHttpHeaders } }, auth: Record<string, unknown>): Promise<Socket>;
}

/**
 * Socket.IO tokens at the gateway's edges (`SOCKET_AUTH_SECRET`; without it, everything is open
 * as the reference document describes). A connection is verified when it connects and again
 * when it recovers its session; a recovering client whose token is refused, or no longer allows
 * every room of its session, gets a new session: nothing it missed is replayed to it.
 */
@Injectable()
export class GatewayAuth {
  readonly #tokens: SocketTokens | undefined;
  readonly #verdicts = new WeakMap<Socket, Verdict>();
  /** The verdict of the handshake being processed, for the session store that restores it. */
  readonly #handshake = new AsyncLocalStorage<Verdict>();

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#tokens = config.auth === undefined ? undefined : new SocketTokens(config.auth.secret);
  }

  get enabled(): boolean {
    return this.#tokens !== undefined;
  }

  /**
   * Verifies every connection of `namespace`. The token is checked before the session is
   * restored (Socket.IO replays missed packets as it restores one, before its middlewares run),
   * and the middleware refuses the connection with a `connect_error` when the token is refused.
   */
  install(namespace: Namespace): void {
    const tokens = this.#tokens;
    if (tokens === undefined) return;
    const internals = namespace as unknown as NamespaceInternals;
    if (typeof internals._createSocket !== 'function' || typeof namespace.adapter.restoreSession !== 'function') {
      throw new Error('socket.io internals changed: tokens cannot be verified before connection state recovery');
    }
    const createSocket = internals._createSocket.bind(namespace);
    internals._createSocket = async (client, auth) => {
      const verdict = await this.#verify(auth, client.request.headers);
      const socket = await this.#handshake.run(verdict, () => createSocket(client, auth));
      this.#verdicts.set(socket, verdict);
      return socket;
    };
    const restoreSession = namespace.adapter.restoreSession.bind(namespace.adapter);
    type Session = Awaited<ReturnType<typeof restoreSession>> | null;
    // Socket.IO starts a new session when this resolves to null.
    namespace.adapter.restoreSession = (async (pid: string, offset: string): Promise<Session> => {
      const verdict = this.#handshake.getStore();
      if (verdict === undefined || 'refused' in verdict) return null;
      const session: Session = await restoreSession(pid, offset);
      if (session === null || session === undefined) return null;
      const allowed = [...session.rooms].every((room) => room === session.sid || roomAllowed(room, verdict.access));
      return allowed ? session : null;
    }) as typeof namespace.adapter.restoreSession;
    namespace.use((socket, next) => {
      const verdict = this.#verdicts.get(socket);
      this.#verdicts.delete(socket);
      if (verdict !== undefined && 'access' in verdict) {
        socket.data.access = verdict.access;
        next();
        return;
      }
      const refused = verdict?.refused ?? new SocketTokenError('invalid', 'The token could not be verified');
      this.logger.info({ reason: refused.reason, recovering: socket.recovered }, `socket refused: ${refused.message}`);
      const error = new Error(refused.message) as Error & { data: SocketConnectErrorData };
      error.data = { code: 'UNAUTHORIZED', reason: refused.reason };
      next(error);
    });
  }

  /**
   * The access of an HTTP request's `Authorization: Bearer <token>`; undefined when the gateway
   * has no secret. Rejects with a 401 when the token is missing or refused.
   */
  async authorizeRequest(authorization: string | undefined): Promise<SocketAccess | undefined> {
    if (this.#tokens === undefined) return undefined;
    const token = bearerToken(authorization);
    try {
      return await this.#tokens.verify(token);
    } catch (error) {
      const refused = error instanceof SocketTokenError ? error : new SocketTokenError('invalid', 'The token could not be verified');
      throw new FlowcastError(
        'UNAUTHORIZED',
        refused.reason === 'missing' ? 'This endpoint requires a token: send Authorization: Bearer <token>' : refused.message,
        { headers: { 'WWW-Authenticate': refused.reason === 'missing' ? CHALLENGE : `${CHALLENGE}, error="invalid_token"` } },
      );
    }
  }

  async #verify(auth: Record<string, unknown>, headers: IncomingHttpHeaders): Promise<Verdict> {
    const parsed = socketHandshakeAuthSchema.safeParse(auth);
    const token = (parsed.success ? parsed.data.token : undefined) ?? bearerToken(headers.authorization);
    try {
      return { access: await this.#tokens!.verify(token) };
    } catch (error) {
      return { refused: error instanceof SocketTokenError ? error : new SocketTokenError('invalid', 'The token could not be verified') };
    }
  }
}

/** The rooms a client is in until it subscribes: every event, or the ids its token lists. */
export function defaultRooms(access: SocketAccess | undefined): string[] {
  if (access === undefined || seesEverything(access)) return [ROOM_ALL];
  return [
    ...(access.uploads === '*' ? [] : access.uploads.map((uploadId) => `upload:${uploadId}`)),
    ...(access.logs === '*' ? [] : access.logs.map((logId) => `log:${logId}`)),
  ];
}

/** Whether a client may be in `room`: `all` needs a token that sees everything. */
export function roomAllowed(room: string, access: SocketAccess): boolean {
  if (room === ROOM_ALL) return seesEverything(access);
  const target = targetOfRoom(room);
  return target !== undefined && allowsTarget(access, target);
}

function targetOfRoom(room: string): SubscriptionTarget | undefined {
  if (room.startsWith('upload:')) return { uploadId: room.slice('upload:'.length) };
  if (room.startsWith('log:')) return { logId: room.slice('log:'.length) };
  return undefined;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
