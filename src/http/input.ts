import { z } from 'zod';
import { invalidFields, notFound } from './errors.js';

/** Where a body came from: forms carry only strings, JSON carries typed values. */
export type BodySource = 'form' | 'json';

// Control characters, and the bidirectional overrides that make a name read differently than it is.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A display name: trimmed, 1..max characters, no control characters. */
export const nameField = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !controlCharacters.test(value), 'must not contain control characters');

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

/** A game port: 1024-65535, written as plain digits. */
export const portField = (source: BodySource) =>
  wholeNumberField(source, 'a whole number from 1024 to 65535').refine(
    (port) => port >= 1024 && port <= 65535,
    'must be a whole number from 1024 to 65535',
  );

/** A positive id, e.g. blueprint_id. */
export const idField = (source: BodySource) =>
  wholeNumberField(source, 'a positive whole number').refine(
    (id) => id > 0,
    'must be a positive whole number',
  );

/** Text in a form: a JSON array of strings (the seed's tests send "[]") or one item per line. */
export function parseListText(text: string): string[] | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : null;
    } catch {
      return null;
    }
  }
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

/** A route's :id: digits only, else the `what` is simply not there (404 "<what> not found"). */
export function routeId(raw: string, what: string): number {
  if (/^\d{1,9}$/.test(raw) && Number(raw) > 0) return Number(raw);
  throw notFound(what);
}
