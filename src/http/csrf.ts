import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { bearerToken } from './bearer.js';
import { viaHttps } from './cookies.js';
import { AppError } from './errors.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Methods that only read (and so pass the CSRF check, and a read-only API token). */
export function isSafeMethod(method: string): boolean {
  return safeMethods.has(method);
}

/**
 * The origins a same-site browser sends: this request's own (its scheme and the host it was sent
 * to) and PUBLIC_URL's (a proxy may pass us another Host). For this comparison a client-sent
 * `X-Forwarded-Proto: https` counts even without TRUST_PROXY: a cross-site page cannot add that header
 * to its victim's request. The cookie's Secure flag never follows it (cookies.ts).
 */
function ownOrigins(request: FastifyRequest, publicUrl: string | null): string[] {
  const https = viaHttps(request) || request.headers['x-forwarded-proto'] === 'https';
  const own = `${https ? 'https' : 'http'}://${request.host.toLowerCase()}`;
  return publicUrl ? [own, publicUrl] : [own];
}

/** The reason to refuse an unsafe cross-site request, or null to let it through. */
export function crossSiteReason(request: FastifyRequest, publicUrl: string | null = null): string | null {
  if (safeMethods.has(request.method)) return null;
  // A bearer request signs in with its token alone (its cookies are ignored): nothing to forge.
  if (bearerToken(request) !== null) return null;
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'cross-site request refused';
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  return ownOrigins(request, publicUrl).includes(origin.toLowerCase()) ? null : 'cross-site request refused';
}

/** onRequest hook: scripts that send neither header (or a bearer token) pass; browsers from elsewhere get 403. */
export function refuseCrossSite({ publicUrl }: Pick<Config, 'publicUrl'>) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const reason = crossSiteReason(request, publicUrl);
    done(reason ? new AppError(403, reason) : undefined);
  };
}
