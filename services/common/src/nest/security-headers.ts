import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** CSP directives, as `{ 'default-src': ["'self'"] }`. */
export type CspDirectives = Record<string, string[]>;

/** A service that answers JSON (and its `/docs` page, whose styles are inline): it loads nothing. */
export const API_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'style-src': ["'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Security headers on every HTTP answer of the service (Helmet): a Content-Security-Policy,
 * `nosniff`, no framing, no referrer across origins, HSTS (which browsers honour over HTTPS
 * only), cross-origin isolation of the service's pages. Socket.IO answers are not Fastify's and
 * carry none; they are not pages.
 */
export async function useSecurityHeaders(app: NestFastifyApplication, csp: CspDirectives): Promise<void> {
  await app.register(helmet, {
    // Exactly these directives: Helmet's defaults add upgrade-insecure-requests, which breaks a
    // page served over plain HTTP (development, or TLS ended at a proxy that does not say so).
    contentSecurityPolicy: { useDefaults: false, directives: csp },
    // Not includeSubDomains: the service does not own its parent domain's other hosts.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  });
}
