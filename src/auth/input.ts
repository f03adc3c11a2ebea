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

/** POST /login: the name as typed (an old account may predate today's rules) and the password. */
export const loginSchema = z.strictObject({
  username: z.string({ error: 'must be text' }).min(1, 'is required').max(256, 'is too long'),
  password: z.string({ error: 'must be text' }).min(1, 'is required').max(1024, 'is too long'),
});
