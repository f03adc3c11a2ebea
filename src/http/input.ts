import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { firstInvisible } from './characters.js';
import { invalidFields, notFound } from './errors.js';

/** Where a body came from: forms carry only strings, JSON carries typed values. */
export type BodySource = 'form' | 'json';

/** A zod refinement that refuses a value with the message problemOf gives for it, if any. */
export function refusedBy<T>(problemOf: (value: T) => string | null | undefined) {
  return (value: T, context: z.RefinementCtx<T>) => {
    const problem = problemOf(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  };
}

/**
 * A display name: 1..max characters once trimmed, none of them invisible (controls, zero-width and
 * bidi marks, line separators, lone surrogates). Checked before trimming, which would drop some.
 */
export const nameField = (max: number) =>
  z
    .string({ error: 'must be text' })
    .superRefine(
      refusedBy((value: string) => {
        const invisible = firstInvisible(value);
        return invisible && `must not contain control or invisible characters (${invisible})`;
      }),
    )
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

/** A whole number written as plain digits (forms) or a JSON integer. */
export const wholeNumberField = (source: BodySource, what: string) => {
  const digits = z
    .string({ error: `must be ${what}` })
    .regex(/^\d{1,9}$/, `must be ${what}`)
    .transform(Number);
  // Bounded like the digits, so a huge id cannot overflow PostgreSQL's integer columns.
  const integer = z
    .number({ error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(0, `must be ${what}`)
    .max(999_999_999, `must be ${what}`);
  return source === 'form' ? digits : z.union([integer, digits], { error: `must be ${what}` });
};

/** The lowest game port: its client port (P - 10) must stay out of the privileged range. */
const MIN_GAME_PORT = 1034;
const portRange = `a whole number from ${MIN_GAME_PORT} to 65535`;

/** A game port: 1034-65535, written as plain digits. */
export const portField = (source: BodySource) =>
  wholeNumberField(source, portRange).refine(
    (port) => port >= MIN_GAME_PORT && port <= 65535,
    `must be ${portRange}`,
  );

/** A positive id, e.g. blueprint_id. */
export const idField = (source: BodySource) =>
  wholeNumberField(source, 'a positive whole number').refine(
    (id) => id > 0,
    'must be a positive whole number',
  );

/** JSON text of an array of strings (a form field, a stored list), else null. */
export function parseStringArray(json: string): string[] | null {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** Text in a form: a JSON array of strings (the seed's tests send "[]") or one item per line. */
export function parseListText(text: string): string[] | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseStringArray(trimmed);
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A list of strings: a JSON array in JSON bodies, text (see parseListText) in forms. */
export const stringListField = (source: BodySource) =>
  source === 'json'
    ? z.array(z.string({ error: 'must be an array of strings' }), { error: 'must be an array of strings' })
    : z.string({ error: 'must be text' }).transform((text, context) => {
        const list = parseListText(text);
        if (list) return list;
        context.addIssue({ code: 'custom', message: 'must be a JSON array of strings or one item per line' });
        return z.NEVER;
      });

/** Validates a body against a strict object schema; throws a 400 naming each bad field. */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidFields({ body: 'must be an object with the fields of the form' });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] ??= 'is not a known field';
      continue;
    }
    const name = String(issue.path[0] ?? 'body');
    const missing = issue.path.length === 1 && !Object.hasOwn(body, name);
    fields[name] ??= missing ? 'is required' : issue.message;
  }
  throw invalidFields(fields);
}

/** A request to a route with an :id (`/servers/:id`, ...). */
export type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** A route's :id: digits only, else the `what` is simply not there (404 "<what> not found"). */
export function routeId(raw: string, what: string): number {
  if (/^\d{1,9}$/.test(raw) && Number(raw) > 0) return Number(raw);
  throw notFound(what);
}

/** Routes that take no fields (start, stop, restart, the install buttons); a JSON request may send none at all. */
export function parseNoFields(body: unknown): void {
  parseBody(z.strictObject({}), body ?? {});
}
