import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A strong entity tag of these bytes (a page of kept parts makes its own: src/views/fragment-cache.ts). */
export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Whether an If-None-Match header names the tag (a list, weak tags, or `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * onSend hook: conditional GETs for what depends on who asks (lists, pages, a server's JSON). Every
 * such 200 carries an ETag (set already by a page made of kept parts, else the hash of its bytes)
 * and `Cache-Control: private, no-cache` (a browser keeps it, asks again, and gets 304 without the
 * body while nothing changed). A callback hook: it runs for every answer. Not for answers that must not be kept (`no-store`: shown-once
 * secrets), nor for the public, sessionless ones (static files have their own).
 */
export function conditionalGet(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
) {
  done(null, conditionalPayload(request, reply, payload));
}

function conditionalPayload(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
  if (reply.statusCode !== 200 || request.routeOptions.config.sessionless) return payload;
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  const cacheControl = reply.getHeader('cache-control');
  if (typeof cacheControl === 'string' && cacheControl.includes('no-store')) return payload;
  let etag = reply.getHeader('etag');
  if (typeof etag !== 'string') {
    etag = etagOf(payload);
    reply.header('etag', etag);
  }
  if (cacheControl === undefined) reply.header('cache-control', 'private, no-cache');
  if (!matchesEtag(request.headers['if-none-match'], etag)) return payload;
  reply.code(304);
  return '';
}
