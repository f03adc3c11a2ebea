import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

/** HttpOnly, SameSite=Lax, and Secure when the browser reached us over HTTPS (directly or via a proxy). */
export function cookieOptions(request: FastifyRequest, maxAgeSeconds?: number): CookieSerializeOptions {
  const https = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: https, maxAge: maxAgeSeconds };
}
