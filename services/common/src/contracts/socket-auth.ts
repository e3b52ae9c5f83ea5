import { z } from 'zod';

/**
 * Wire format: Socket.IO access tokens, when the gateway has `SOCKET_AUTH_SECRET`.
 *
 * A token is a JWT (RFC 7519) signed with HS256 and the shared secret, so that any backend can
 * mint one with a standard library. The gateway requires `aud: "flowcast"` and an `exp`, and reads
 * what the token grants from the claims below. A client sends it in the Socket.IO handshake
 * (`io(url, { auth: { token } })`, or `Authorization: Bearer <token>` from Node.js), and as
 * `Authorization: Bearer <token>` to the gateway's status endpoints.
 */
export const SOCKET_TOKEN_AUDIENCE = 'flowcast';
/** The only signature algorithm accepted: a token signed otherwise is refused. */
export const SOCKET_TOKEN_ALGORITHM = 'HS256';
/** A grant of every id: `uploads: "*"` allows subscribing to any upload. */
export const ANY_ID = '*';
/** Ids one token may name: a token travels in every handshake, so it stays small. */
export const MAX_TOKEN_IDS = 100;

const grant = z.union([z.literal(ANY_ID), z.array(z.uuid()).max(MAX_TOKEN_IDS)]);

/**
 * What a token grants. `uploads` and `logs` list the uploadIds and logIds whose events the
 * holder may receive (`"*"`: any). A holder of `uploads: "*"` and `logs: "*"` sees everything,
 * as every client does without authentication; any other holder receives only the events of the
 * ids its token lists (and of the ids it may subscribe to, once it subscribes).
 */
export const socketTokenClaimsSchema = z.object({
  /** Who holds the token, for the gateway's logs. */
  sub: z.string().max(200).optional(),
  /** Expiry, seconds since the epoch: required. */
  exp: z.int().positive(),
  uploads: grant.default([]),
  logs: grant.default([]),
});
export type SocketTokenClaims = z.infer<typeof socketTokenClaimsSchema>;
/** What a token grants, as a signer is given it. */
export type SocketTokenGrant = Partial<Pick<SocketTokenClaims, 'sub' | 'uploads' | 'logs'>>;

/** Wire format: the Socket.IO handshake `auth` payload. */
export const socketHandshakeAuthSchema = z.looseObject({ token: z.string().min(1).max(8_192).optional() });

/** Why a connection was refused: missing token, invalid (signature, audience, algorithm, claims), or expired. */
export const SOCKET_AUTH_FAILURES = ['missing', 'invalid', 'expired'] as const;
export type SocketAuthFailure = (typeof SOCKET_AUTH_FAILURES)[number];

/** Wire format: `data` of the `connect_error` a refused client receives (its `message` says why, for humans). */
export const socketConnectErrorDataSchema = z.object({
  code: z.literal('UNAUTHORIZED'),
  reason: z.enum(SOCKET_AUTH_FAILURES),
});
export type SocketConnectErrorData = z.infer<typeof socketConnectErrorDataSchema>;
