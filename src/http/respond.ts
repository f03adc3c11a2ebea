import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { PageParts } from '../views/fragment-cache.js';
import { ErrorPage, type PageContext } from '../views/layout.js';
import { renderDocument } from '../views/render.js';
import { cookieOptions } from './cookies.js';
import { AppError, invalidFields } from './errors.js';
import { wantsJson } from './negotiate.js';

const flashCookie = 'l4d2web_flash';

export function pageContext(request: FastifyRequest): PageContext {
  return { user: request.user, flash: request.cookies[flashCookie] ?? null };
}

/**
 * Sends an HTML page; a flash notice is shown once, then forgotten. With `parts`, the page carries
 * kept pieces (src/views/fragment-cache.ts) and goes out as the bytes they assemble.
 */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  page: VNode,
  status = 200,
  parts?: PageParts,
) {
  if (request.cookies[flashCookie] !== undefined) reply.clearCookie(flashCookie, { path: '/' });
  reply.code(status).type('text/html; charset=utf-8');
  if (!parts) return reply.send(renderDocument(page));
  const { body, etag } = parts.document(page);
  return reply.header('etag', etag).send(body);
}

/**
 * Sends JSON already serialized (kept bytes), as Fastify sends an object: the same type and bytes;
 * with the ETag made from what it was kept from (src/http/etag.ts then does not hash it again).
 */
export function sendJsonBytes(reply: FastifyReply, { body, etag }: { body: Buffer; etag: string }) {
  return reply.type('application/json; charset=utf-8').header('etag', etag).send(body);
}

/** The page a failed request re-renders in HTML: its form, with the message and the user's input. */
export type FormPage = (error: AppError) => VNode | Promise<VNode>;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by a route before it parses or acts: the page that an AppError of this request shows in
     * HTML, its form re-rendered. Unset, or for a 404, a plain error page.
     */
    formOnError: FormPage | null;
  }
}

/** What a failure tells the user: an AppError as it is, Fastify's own refusals in our shape, else 500. */
function publicError(error: unknown, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  const { statusCode, code, message } = error as Partial<FastifyError>;
  const status = statusCode ?? 500;
  if (status >= 500) {
    request.log.error(error);
    return new AppError(500, 'internal error');
  }
  // Fastify's body parser refusing malformed JSON: a 400 about the body, in our shape.
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return invalidFields({ body: 'is not valid JSON' });
  }
  return new AppError(status, message ?? 'bad request');
}

/**
 * The app's error handler, the one place a failed request is answered (routes and hooks throw): JSON
 * {"error", "fields"?}; in HTML, the route's `formOnError` page with the same status, else a plain
 * error page. A 500 says only "internal error"; what went wrong goes to the log.
 */
export async function answerError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const failure = publicError(error, request);
  if (wantsJson(request)) {
    return reply
      .code(failure.status)
      .send(failure.fields ? { error: failure.message, fields: failure.fields } : { error: failure.message });
  }
  // The form comes back for the failures the contract names (an AppError), not for a 404 (what it
  // was about is not there) nor for a fault of ours.
  const page = error instanceof AppError && failure.status !== 404 ? request.formOnError : null;
  request.formOnError = null;
  if (page) {
    try {
      return sendPage(request, reply, await page(failure), failure.status);
    } catch (pageError) {
      // The form's page is not there (bad input for a missing or another user's id): 404.
      return answerError(pageError, request, reply);
    }
  }
  return sendPage(
    request,
    reply,
    ErrorPage({ ctx: pageContext(request), status: failure.status, message: failure.message }),
    failure.status,
  );
}

/** What a successful change answers: JSON status and body, or a redirect with a notice. */
export interface Done {
  status: number;
  body?: unknown;
  location: string;
  notice: string;
}

/** JSON gets `status` and `body` (no body for 204); a browser is redirected (302) with a notice. */
export function sendDone(request: FastifyRequest, reply: FastifyReply, done: Done) {
  if (wantsJson(request)) {
    return done.status === 204 ? reply.code(204).send() : reply.code(done.status).send(done.body);
  }
  reply.setCookie(flashCookie, done.notice, cookieOptions(request, 60));
  return reply.redirect(done.location, 302);
}
