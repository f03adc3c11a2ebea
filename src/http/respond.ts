import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { ErrorPage, type PageContext } from '../views/layout.js';
import { renderDocument } from '../views/render.js';
import { cookieOptions } from './cookies.js';
import { AppError } from './errors.js';
import { wantsJson } from './negotiate.js';

const flashCookie = 'l4d2web_flash';

export function pageContext(request: FastifyRequest): PageContext {
  return { user: request.user, flash: request.cookies[flashCookie] ?? null };
}

/** Sends an HTML page; a flash notice is shown once, then forgotten. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, page: VNode, status = 200) {
  if (request.cookies[flashCookie] !== undefined) reply.clearCookie(flashCookie, { path: '/' });
  return reply.code(status).type('text/html; charset=utf-8').send(renderDocument(page));
}

/**
 * Answers a failed request: JSON {"error", "fields"?}; in HTML, the page that caused it
 * re-rendered with the message and the user's input, with the same status. A 404 gets a
 * plain error page, since the thing the form was about is not there.
 */
export async function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  page?: (error: AppError) => VNode | Promise<VNode>,
) {
  if (!(error instanceof AppError)) throw error;
  if (wantsJson(request)) {
    return reply
      .code(error.status)
      .send(error.fields ? { error: error.message, fields: error.fields } : { error: error.message });
  }
  if (page && error.status !== 404) {
    try {
      return sendPage(request, reply, await page(error), error.status);
    } catch (pageError) {
      // The form's page is not there (bad input for a missing or another user's id): 404.
      if (pageError instanceof AppError) return sendError(request, reply, pageError);
      throw pageError;
    }
  }
  return sendPage(
    request,
    reply,
    ErrorPage({ ctx: pageContext(request), status: error.status, message: error.message }),
    error.status,
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
