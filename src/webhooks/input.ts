import { z } from 'zod';
import { type BodySource, parseBody } from '../http/input.js';

/** What a webhook may be told of (design/operations.md). */
export const alertEvents = [
  'crashed',
  'crash_loop',
  'hang',
  'failed',
  'update_available',
  'update_done',
  'update_failed',
  'schedule_failed',
] as const;
export type AlertEvent = (typeof alertEvents)[number];

export const webhookFormats = ['discord', 'json'] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

const eventList = `must be a list of events from ${alertEvents.join(', ')}`;

/** POST /webhooks: JSON, or the page's form (events as repeated checkboxes). */
export const newWebhookSchema = (source: BodySource) =>
  z.strictObject({
    url: z
      .string({ error: 'must be an http or https URL' })
      .trim()
      .min(1, 'must be an http or https URL')
      .max(2000, 'must be at most 2000 characters')
      .describe('http or https; shown masked once saved'),
    format: z.enum(webhookFormats, { error: 'must be discord or json' }),
    events: (source === 'json'
      ? z.array(z.enum(alertEvents, { error: eventList }), { error: eventList })
      : z
          .union([z.string(), z.array(z.string())], { error: eventList })
          .transform((value) => (Array.isArray(value) ? value : [value]))
          .pipe(z.array(z.enum(alertEvents, { error: eventList })))
    )
      .refine((events) => events.length > 0, 'must name at least one event')
      .transform((events) => [...new Set(events)]),
  });

export interface NewWebhook {
  url: string;
  format: WebhookFormat;
  events: AlertEvent[];
}

export function parseNewWebhook(body: unknown, source: BodySource): NewWebhook {
  return parseBody(newWebhookSchema(source), body);
}
