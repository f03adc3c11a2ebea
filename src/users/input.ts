import { z } from 'zod';
import { credentialsSchema } from '../auth/input.js';
import type { BodySource } from '../http/input.js';
import { parseBody } from '../http/input.js';

const roleField = z.enum(['admin', 'user'], { error: 'must be admin or user' });

/** POST /users: an account made by an admin (a user unless `role` says admin). */
export const newUserSchema = credentialsSchema.extend({ role: roleField.optional() });

/** true/false: a JSON boolean, or the text a form's hidden field or button sends. */
const flag = (source: BodySource) =>
  source === 'json'
    ? z.boolean({ error: 'must be true or false' })
    : z.enum(['true', 'false'], { error: 'must be true or false' }).transform((text) => text === 'true');

/** PATCH /users/:id: disable or enable, promote or demote, or turn the user's two-factor sign-in off. */
export const userChangeSchema = (source: BodySource) =>
  z.strictObject({
    disabled: flag(source).optional(),
    role: roleField.optional(),
    totp_enabled: flag(source)
      .refine((value) => value === false, 'can only be turned off (false): the user turns it on')
      .optional(),
  });
const changeSchemas = { form: userChangeSchema('form'), json: userChangeSchema('json') };

export function parseNewUser(body: unknown) {
  return parseBody(newUserSchema, body);
}

export function parseUserChange(body: unknown, source: BodySource) {
  return parseBody(changeSchemas[source], body ?? {});
}
