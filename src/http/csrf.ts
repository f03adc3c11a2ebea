import type { FastifyReply, FastifyRequest } from 'fastify';
import { viaHttps } from './cookies.js';
import { AppError } from './errors.js';
import { sendError } from './respond.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The reason to refuse an unsafe cross-site request, or null to let it through. */
export function crossSiteReason(request: FastifyRequest): string | null {
  if (safeMethods.has(request.method)) return null;
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'cross-site request refused';
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  // Behind an HTTPS proxy the browser's origin is https:// although we are spoken to in http.
  const ownOrigin = `${viaHttps(request) ? 'https' : 'http'}://${request.headers.host ?? ''}`;
  return origin.toLowerCase() === ownOrigin.toLowerCase() ? null : 'cross-site request refused';
}

/** onRequest hook: scripts that send neither header pass; browsers from elsewhere get 403. */
export async function refuseCrossSite(request: FastifyRequest, reply: FastifyReply) {
  const reason = crossSiteReason(request);
  if (reason) return sendError(request, reply, new AppError(403, reason));
}
