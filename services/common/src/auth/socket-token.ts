import { SignJWT, errors, jwtVerify } from 'jose';
import {
  ANY_ID,
  SOCKET_TOKEN_ALGORITHM,
  SOCKET_TOKEN_AUDIENCE,
  socketTokenClaimsSchema,
  type SocketAuthFailure,
  type SocketTokenGrant,
} from '../contracts/socket-auth.js';

/**
 * What a verified token allows, as the gateway checks it. Plain JSON: it travels in the
 * Socket.IO session (`socket.data`) that connection state recovery stores in Redis.
 */
export interface SocketAccess {
  subject?: string;
  uploads: typeof ANY_ID | readonly string[];
  logs: typeof ANY_ID | readonly string[];
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

/** A token was refused: `reason` is for the client's code, the message for humans. */
export class SocketTokenError extends Error {
  override readonly name = 'SocketTokenError';
  constructor(
    readonly reason: SocketAuthFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Clock skew tolerated between the pods that sign and those that verify: a token is valid until exp + this. */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 5;

/** Signs and verifies Socket.IO tokens (JWT, HS256) with the deployment's shared secret. */
export class SocketTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  /** A token granting `grant` for `ttlSeconds`. */
  sign(grant: SocketTokenGrant, ttlSeconds: number): Promise<string> {
    const claims: Record<string, unknown> = {};
    if (grant.uploads !== undefined) claims['uploads'] = grant.uploads;
    if (grant.logs !== undefined) claims['logs'] = grant.logs;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: SOCKET_TOKEN_ALGORITHM, typ: 'JWT' })
      .setAudience(SOCKET_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
    if (grant.sub !== undefined) jwt.setSubject(grant.sub);
    return jwt.sign(this.#key);
  }

  /** The access a token grants; rejects with SocketTokenError when it is missing, invalid or expired. */
  async verify(token: string | undefined): Promise<SocketAccess> {
    if (token === undefined || token === '') {
      throw new SocketTokenError('missing', 'This gateway requires a token: connect with auth { token } (or Authorization: Bearer <token>)');
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: [SOCKET_TOKEN_ALGORITHM],
        audience: SOCKET_TOKEN_AUDIENCE,
        requiredClaims: ['exp'],
        clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        const exp = (error.payload as { exp?: unknown }).exp;
        const when = typeof exp === 'number' ? ` at ${new Date(exp * 1000).toISOString()}` : '';
        throw new SocketTokenError('expired', `The token expired${when}: get a new one`);
      }
      // jose's messages name the check that failed (signature, "aud", "alg"), never the secret.
      throw new SocketTokenError('invalid', `The token is not valid: ${error instanceof errors.JOSEError ? error.message : 'malformed'}`);
    }
    const claims = socketTokenClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0];
      throw new SocketTokenError('invalid', `The token is not valid: claim "${String(issue?.path[0] ?? '?')}" ${issue?.message ?? 'is wrong'}`);
    }
    const { sub, exp, uploads, logs } = claims.data;
    return { ...(sub === undefined ? {} : { subject: sub }), uploads, logs, expiresAt: exp * 1000 };
  }
}

/** Whether `access` sees every event, as a client of a gateway without authentication does. */
export function seesEverything(access: SocketAccess): boolean {
  return access.uploads === ANY_ID && access.logs === ANY_ID;
}

/** Whether `access` allows the events and status of one upload or one message. */
export function allowsTarget(access: SocketAccess, target: { uploadId: string } | { logId: string }): boolean {
  const granted = 'uploadId' in target ? access.uploads : access.logs;
  return granted === ANY_ID || granted.includes('uploadId' in target ? target.uploadId : target.logId);
}
