import { z } from 'zod';
import { parseBody, refusedBy } from '../http/input.js';
import type { AuditFilter } from './log.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** An empty field of the HTML filter form means "any". */
const optional = <T extends z.ZodType>(schema: T) =>
  z
    .literal('')
    .transform(() => undefined)
    .or(schema)
    .optional();

const digits = (what: string) => z.string({ error: `must be ${what}` }).regex(/^\d{1,9}$/, `must be ${what}`);

/** GET /audit's query: every filter optional. */
export const auditQuerySchema = z.strictObject({
  user: optional(z.string().max(64, 'must be at most 64 characters').describe('A user id or username')),
  action: optional(
    z
      .string()
      .regex(
        /^[a-z]+(\.[a-z_]+|\.\*)?$/,
        'must be an action (server.start) or a family of them (server or server.*)',
      )
      .describe('An action (server.start), or a family: server or server.*'),
  ),
  server: optional(digits('a server id').transform(Number).describe('Entries about this server')),
  before: optional(
    z
      .string()
      .superRefine(
        refusedBy((text: string) =>
          /^\d{1,9}$/.test(text) || !Number.isNaN(Date.parse(text))
            ? null
            : 'must be an entry id (next_before) or an ISO 8601 time',
        ),
      )
      .describe('Older entries: the next_before of the previous page, or an ISO 8601 time'),
  ),
  limit: optional(
    digits(`a whole number from 1 to ${MAX_LIMIT}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`)
      .describe(`How many entries (default ${DEFAULT_LIMIT})`),
  ),
});

export function parseAuditQuery(query: unknown): AuditFilter {
  const { user, action, server, before, limit } = parseBody(auditQuerySchema, query ?? {});
  return {
    ...(user !== undefined && { user }),
    ...(action !== undefined && { action }),
    ...(server !== undefined && { server }),
    ...(before !== undefined && {
      before: /^\d+$/.test(before) ? { id: Number(before) } : { at: new Date(before).toISOString() },
    }),
    limit: limit ?? DEFAULT_LIMIT,
  };
}
