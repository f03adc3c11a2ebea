import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendPage } from '../http/respond.js';
import { parseAuditQuery } from './input.js';
import { listAudit } from './log.js';
import { type AuditFormValues, AuditPage } from './views.js';

/** The filters as the user typed them, for the page's form. */
function formValues(query: unknown): AuditFormValues {
  const given = (query ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof given[name] === 'string' ? (given[name] as string) : '');
  return { user: text('user'), action: text('action'), server: text('server'), limit: text('limit') };
}

/** GET /audit: admins read every entry, others their own (design/operations.md). No route changes one. */
export function registerAuditRoutes(app: FastifyInstance, { database }: RouteDeps) {
  const { db } = database;
  app.get('/audit', async (request, reply) => {
    // Signed in (the login guard sees to it); read without src/auth, which records into this log.
    const user = request.user as NonNullable<typeof request.user>;
    const form = formValues(request.query);
    request.formOnError = (error: AppError) =>
      AuditPage({
        ctx: pageContext(request),
        entries: [],
        form,
        olderHref: null,
        everyone: user.role === 'admin',
        error,
      });
    const page = await listAudit(db, user, parseAuditQuery(request.query));
    if (wantsJson(request)) return page;
    const older =
      page.next_before === null
        ? null
        : `/audit?${new URLSearchParams({ ...Object.fromEntries(Object.entries(form).filter(([, v]) => v !== '')), before: String(page.next_before) })}`;
    return sendPage(
      request,
      reply,
      AuditPage({
        ctx: pageContext(request),
        entries: page.entries,
        form,
        olderHref: older,
        everyone: user.role === 'admin',
      }),
    );
  });
}
