import type { FastifyRequest } from 'fastify';
import { bearerToken } from './bearer.js';

/** q-value the Accept header gives a media type (0 when absent); wildcards count. */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = 0;
  let bestSpecificity = -1;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= bestSpecificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    best = q ? Number(q.slice(2)) || 0 : 1;
    bestSpecificity = specificity;
  }
  return best;
}

/**
 * JSON when the body is JSON or Accept prefers application/json over HTML (DESIGN.md), and always
 * for a bearer token (a script's request: `curl -H 'Authorization: Bearer ...'` gets JSON).
 */
export function wantsJson(request: FastifyRequest): boolean {
  if (bearerToken(request) !== null) return true;
  if (request.headers['content-type']?.toLowerCase().startsWith('application/json')) return true;
  const accept = request.headers.accept;
  if (!accept) return false;
  return quality(accept, 'application/json') > quality(accept, 'text/html');
}

/** Whether the body holds typed JSON values or form strings. */
export function bodySource(request: FastifyRequest): 'json' | 'form' {
  return request.headers['content-type']?.toLowerCase().startsWith('application/json') ? 'json' : 'form';
}
