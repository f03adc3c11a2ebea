import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

/** HttpOnly, SameSite=Lax, and Secure when the browser reached us over HTTPS (directly or via a proxy). */
export function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: viaHttps(request), maxAge: maxAgeSeconds };
}

/** Whether the browser reached us over HTTPS, directly or through a proxy that says so. */
export function viaHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}
