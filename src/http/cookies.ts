import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

/** HttpOnly, SameSite=Lax, and Secure when the browser reached us over HTTPS (directly or via a proxy). */
export function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: viaHttps(request), maxAge: maxAgeSeconds };
}

/**
 * Whether the browser reached us over HTTPS: TLS, or (with TRUST_PROXY only) a proxy's
 * `X-Forwarded-Proto: https`. Fastify's request.protocol reads the header only when the proxy is
 * trusted, so a client that merely sends it decides nothing.
 */
export function viaHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}
