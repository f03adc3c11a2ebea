import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A strong entity tag of these bytes, in order: a whole body, or what stands for one (a page's text
 * and the hashes of the kept parts it is made of: src/views/fragment-cache.ts, src/servers/json.ts).
 */
export function etagOf(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return `"${hash.digest('base64url')}"`;
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
