import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a client may send its key in, instead of `Authorization: Bearer <key>`. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * The producer's API keys (`API_KEYS`). A request presents its key as `Authorization: Bearer
 * <key>` or `X-API-Key: <key>`; it is compared with every configured key in constant time (the
 * SHA-256 digests, so that neither the length nor the first differing byte of a key shows in
 * the time an answer takes).
 */
export class ApiKeys {
  readonly #digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /** True when keys are configured: the ingest endpoints need one. */
  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /** The key a request presents, if any. */
  static presented(headers: IncomingHttpHeaders): string | undefined {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return bearer;
    const header = headers[API_KEY_HEADER];
    const value = (Array.isArray(header) ? header[0] : header)?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /**
   * A stable, non-secret id of the configured key `candidate` matches (for rate limiting and
   * logs: the first 12 hex digits of its SHA-256), or undefined. Every key is compared, matched
   * or not.
   */
  identify(candidate: string | undefined): string | undefined {
    if (candidate === undefined) return undefined;
    const presented = digest(candidate);
    let matched: Buffer | undefined;
    for (const known of this.#digests) {
      if (timingSafeEqual(known, presented)) matched = known;
    }
    return matched?.toString('hex').slice(0, 12);
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
