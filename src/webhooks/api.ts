import { z } from 'zod';
import {
  failure,
  formTwin,
  idJson,
  invalidInput,
  notFoundAnswer,
  type Operation,
  type Operations,
  sameAs,
  timestamp,
} from '../http/operation.js';
import { alertEvents, newWebhookSchema, webhookFormats } from './input.js';
import type { Webhook } from './webhooks.js';

const webhookJson = sameAs<Webhook>()(
  z
    .object({
      id: z.number().int(),
      url: z.string().meta({ description: 'Masked: scheme and host only (the path may be a secret)' }),
      format: z.enum(webhookFormats),
      events: z.array(z.enum(alertEvents)),
      created_at: timestamp,
      last_delivery_at: timestamp.nullable(),
      last_status: z
        .number()
        .int()
        .nullable()
        .meta({ description: "The target's HTTP status; null when it gave none" }),
      last_error: z.string().meta({ description: "Why the last delivery failed ('' when it did not)" }),
    })
    .meta({ title: 'Webhook' }),
);

const deleteWebhook: Operation = {
  tag: 'webhooks',
  summary: 'Delete a webhook',
  responses: { 204: { description: 'Deleted' }, 404: notFoundAnswer('webhook') },
};

/** The webhook routes, for the OpenAPI document. */
export const webhookOperations: Operations = {
  'GET /webhooks': {
    tag: 'webhooks',
    summary: 'Your webhooks, URLs masked, with the last delivery',
    responses: { 200: { description: 'The webhooks', schema: z.object({ webhooks: z.array(webhookJson) }) } },
  },
  'POST /webhooks': {
    tag: 'webhooks',
    summary: 'Add a webhook for alerts',
    description:
      'Refused with 400 "webhook target is a private address" when the host resolves to a loopback, private, link-local or multicast address (unless ALLOW_PRIVATE_WEBHOOKS=true).',
    body: { json: newWebhookSchema('json'), form: newWebhookSchema('form') },
    responses: { 201: { description: 'Saved', schema: idJson }, 400: invalidInput },
  },
  'DELETE /webhooks/:id': deleteWebhook,
  'POST /webhooks/:id/delete': formTwin(deleteWebhook, 'Delete a webhook (the HTML form; same as DELETE)'),
  'POST /webhooks/:id/test': {
    tag: 'webhooks',
    summary: 'Send a test alert now',
    responses: {
      200: {
        description: 'The target answered',
        schema: z.object({ status: z.number().int().meta({ description: 'The HTTP status of the target' }) }),
      },
      404: notFoundAnswer('webhook'),
      502: failure('The target gave no answer: the reason (timeout, refused, private address, ...)'),
    },
  },
};
