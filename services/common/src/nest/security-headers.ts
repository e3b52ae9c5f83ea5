import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** CSP directives, as `{ 'default-src': ["'self'"] }`. */
export type CspDirectives = Record<string, string[]>;

/** The producer's one page, `/docs` (its styles are inline): it loads nothing else. */
export const API_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'style-src': ["'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The headers Helmet writes with these options, computed once. They do not depend on the
 * request (no CSP nonces), and `@fastify/helmet` built Helmet's middleware again for every
 * request (parsing the CSP directives each time): 4 % of the producer's CPU under load.
 */
export function securityHeaders(csp: CspDirectives): Record<string, string> {
  const options: HelmetOptions = {
    // Exactly these directives: Helmet's defaults add upgrade-insecure-requests, which breaks a
    // page served over plain HTTP (development, or TLS ended at a proxy that does not say so).
    contentSecurityPolicy: { useDefaults: false, directives: csp },
    // Not includeSubDomains: the service does not own its parent domain's other hosts.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  };
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined && error !== null) throw error;
  });
  return headers;
}

/**
 * What every answer carries, pages or not: the headers that still mean something on JSON, per
 * OWASP's REST cheat sheet (`nosniff`; no framing; no referrer; no cross-origin embedding;
 * HSTS, over HTTPS), and a CSP that loads nothing and cannot be framed, in case a browser
 * renders the answer after all. Helmet's other headers (opener policy, origin-agent cluster,
 * DNS prefetch, IE's download and XSS switches, Flash's cross-domain policy) only act on
 * documents.
 */
const EVERY_ANSWER = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy'] as const;
const ANSWER_CSP = "default-src 'none'; frame-ancestors 'none'";
const HSTS = 'strict-transport-security';

/**
 * Security headers on every HTTP answer of the service: those of `EVERY_ANSWER` on each, and on
 * a page (`text/html`: the dashboard, `/docs`) all of Helmet's, with the page's own `csp`.
 * HSTS goes with answers that travel over HTTPS only (RFC 6797 §7.2: never over plain HTTP,
 * where browsers ignore it anyway). Socket.IO answers are not Fastify's and carry none; they
 * are not pages.
 *
 * Helmet's full set on every JSON answer cost the producer a tenth of its single messages per
 * second (twelve headers and 600 bytes per answer; docs/performance.md, change 23), and each
 * header left costs it still (change 25).
 */
export function useSecurityHeaders(fastify: FastifyInstance, csp: CspDirectives): void {
  const page = securityHeaders(csp);
  const answer: Record<string, string> = { 'content-security-policy': ANSWER_CSP };
  for (const name of [...EVERY_ANSWER, HSTS]) answer[name] = page[name]!;
  const pageOverHttp = withoutHsts(page);
  const answerOverHttp = withoutHsts(answer);
  // One hook, once the answer's type is known: every answer passes through onSend (errors,
  // refusals by earlier hooks, 404s), and one hook fewer per request is measurable under load.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    const isPage = typeof type === 'string' && type.startsWith('text/html');
    const secure = overHttps(request);
    reply.headers(isPage ? (secure ? page : pageOverHttp) : secure ? answer : answerOverHttp);
    done(null, payload);
  });
}

function withoutHsts(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== HSTS));
}

const HTTPS_FIRST = /^\s*https\s*(,|$)/i;

/**
 * Whether the client reached the service over HTTPS: TLS ended here, or at a proxy that says so
 * (`X-Forwarded-Proto`, its first value: the client's side). The proxy need not be trusted for
 * this: a client that claims HTTPS over plain HTTP only gets a header its browser must ignore.
 */
function overHttps(request: FastifyRequest): boolean {
  if ((request.raw.socket as Partial<TLSSocket>).encrypted === true) return true;
  const forwarded = request.headers['x-forwarded-proto'];
  return typeof forwarded === 'string' && HTTPS_FIRST.test(forwarded);
}
