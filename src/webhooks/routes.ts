import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import type { RouteDeps } from '../deps.js';
import { AppError } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { type Alert, defaultAlertOptions, deliverOnce } from './alerts.js';
import { parseNewWebhook } from './input.js';
import { WebhooksPage } from './views.js';
import { createWebhook, deleteWebhook, listWebhooks, ownTarget, recordDelivery } from './webhooks.js';

const webhookId = (request: IdRequest) => routeId(request.params.id, 'webhook');

/** Webhooks for alerts (design/operations.md): each user's own; the URL is shown masked once saved. */
export function registerWebhookRoutes(app: FastifyInstance, { database, config, secretKey }: RouteDeps) {
  const { db } = database;

  const page = async (request: FastifyRequest, error?: AppError) =>
    WebhooksPage({
      ctx: pageContext(request),
      webhooks: await listWebhooks(db, currentUser(request)),
      body: error ? request.body : undefined,
      error,
    });

  app.get('/webhooks', async (request, reply) => {
    if (wantsJson(request)) return { webhooks: await listWebhooks(db, currentUser(request)) };
    return sendPage(request, reply, await page(request));
  });

  app.post('/webhooks', audited({ action: 'webhook.create', target: 'webhook' }), async (request, reply) => {
    request.formOnError = (error) => page(request, error);
    const input = parseNewWebhook(request.body, bodySource(request));
    const id = await createWebhook(db, secretKey, currentUser(request), input, config.allowPrivateWebhooks);
    // Never the URL: it is a secret.
    noteAudit(request, { targetId: id, detail: { format: input.format, events: input.events } });
    return sendDone(request, reply, {
      status: 201,
      body: { id },
      location: '/webhooks',
      notice: 'Webhook saved.',
    });
  });

  const remove = async (request: IdRequest, reply: FastifyReply) => {
    const removed = await deleteWebhook(db, currentUser(request), webhookId(request));
    noteAudit(request, { detail: { format: removed.format, events: removed.events } });
    return sendDone(request, reply, { status: 204, location: '/webhooks', notice: 'Webhook deleted.' });
  };
  const deleting = audited({ action: 'webhook.delete', target: 'webhook' });
  app.delete<{ Params: { id: string } }>('/webhooks/:id', deleting, remove);
  app.post<{ Params: { id: string } }>('/webhooks/:id/delete', deleting, remove);

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/test',
    audited({ action: 'webhook.test', target: 'webhook' }),
    async (request, reply) => {
      request.formOnError = (error) => page(request, error);
      const target = await ownTarget(db, secretKey, currentUser(request), webhookId(request));
      const alert: Alert = {
        event: 'test',
        server: null,
        at: new Date().toISOString(),
        title: 'l4d2web test alert',
        detail: { message: `A test from ${currentUser(request).username}: this webhook works.` },
      };
      let status: number;
      try {
        status = await deliverOnce(target, alert, {
          allowPrivate: config.allowPrivateWebhooks,
          timeoutMs: defaultAlertOptions.timeoutMs,
        });
      } catch (error) {
        const reason = (error as Error).message;
        await recordDelivery(db, target.id, { status: null, error: reason });
        throw new AppError(502, reason);
      }
      const ok = status >= 200 && status < 300;
      await recordDelivery(db, target.id, { status, error: ok ? '' : `HTTP ${status}` });
      noteAudit(request, { detail: { status } });
      return sendDone(request, reply, {
        status: 200,
        body: { status },
        location: '/webhooks',
        notice: `Test sent: the target answered HTTP ${status}.`,
      });
    },
  );
}
