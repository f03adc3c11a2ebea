import type { FastifyRequest } from 'fastify';

/**
 * The token of an `Authorization: Bearer <token>` header ('' when the header names the scheme but no
 * token), or null when the request carries none. Such a request is a script's: no browser sends the
 * header cross-site without CORS, so it needs no CSRF check, answers JSON, and its cookies are ignored.
 */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^bearer(?:\s+(.*))?$/is.exec(header.trim());
  return match ? (match[1] ?? '').trim() : null;
}
