import { z } from 'zod';
import { invalidInput, type Operations, sameAs, timestamp } from '../http/operation.js';
import { auditQuerySchema } from './input.js';
import { type AuditEntry, targetTypes } from './log.js';

const auditEntryJson = sameAs<AuditEntry>()(
  z
    .object({
      id: z.number().int(),
      at: timestamp,
      user_id: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'Null for a failed sign-in by an unknown name' }),
      username: z.string(),
      ip: z.string(),
      action: z.string().meta({ description: 'Dotted: auth.login, server.start, schedule.create, ...' }),
      target_type: z.enum(targetTypes).nullable(),
      target_id: z.number().int().nullable(),
      detail: z
        .record(z.string(), z.unknown())
        .meta({ description: 'What changed (an RCON command, changed fields); never a secret' }),
    })
    .meta({ title: 'AuditEntry' }),
);

/** The audit log, for the OpenAPI document. */
export const auditOperations: Operations = {
  'GET /audit': {
    tag: 'audit',
    summary: 'The audit log, newest first: every entry for admins, your own for others',
    description:
      "Every state-changing request that succeeded, and failed sign-ins. Page with `before` = the previous answer's `next_before`.",
    query: auditQuerySchema,
    responses: {
      200: {
        description: 'A page of entries',
        schema: z.object({
          entries: z.array(auditEntryJson),
          next_before: z
            .number()
            .int()
            .nullable()
            .meta({ description: 'The `before` of the next page; null on the last' }),
        }),
      },
      400: invalidInput,
    },
  },
};
