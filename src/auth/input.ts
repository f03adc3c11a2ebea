import { z } from 'zod';

/** A new account: POST /register, `l4d2web user add`. */
export const credentialsSchema = z.strictObject({
  username: z
    .string({ error: 'must be text' })
    .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'must be 3-32 letters, digits, "_", "." or "-"'),
  password: z
    .string({ error: 'must be text' })
    .min(8, 'must be at least 8 characters')
    .max(1024, 'must be at most 1024 characters'),
});

export type Credentials = z.output<typeof credentialsSchema>;

/** A two-factor code: six digits from the authenticator app, or a recovery code. */
export const codeField = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'is required')
  .max(64, 'is too long');

/**
 * POST /login: the name as typed (an old account may predate today's rules) and the password; for an
 * account with two-factor sign-in, the code too (JSON; a form asks for it in a second step).
 */
export const loginSchema = z.strictObject({
  username: z.string({ error: 'must be text' }).min(1, 'is required').max(256, 'is too long'),
  password: z.string({ error: 'must be text' }).min(1, 'is required').max(1024, 'is too long'),
  code: codeField.optional(),
});

/** POST /login/code: the second step of a two-factor sign-in. */
export const loginCodeSchema = z.strictObject({
  login_token: z.string({ error: 'must be text' }).min(1, 'is required').max(256, 'is too long'),
  code: codeField,
});

/** POST /account/password. */
export const passwordChangeSchema = z.strictObject({
  current_password: z.string({ error: 'must be text' }).min(1, 'is required').max(1024, 'is too long'),
  new_password: credentialsSchema.shape.password,
});
