import { z } from 'zod';
import type { Role } from '../db/schema.js';
import { failure, idJson, invalidInput, type Operations, sameAs, timestamp } from '../http/operation.js';
import { credentialsSchema, loginSchema } from './input.js';

/** An account as the JSON API shows it. */
export const userJson = sameAs<{ id: number; username: string; role: Role; created_at: string }>()(
  z
    .object({
      id: z.number().int(),
      username: z.string(),
      role: z.enum(['admin', 'user']),
      created_at: timestamp,
    })
    .meta({ title: 'User' }),
);

/** The sign-up, sign-in and sign-out routes, for the OpenAPI document. */
export const authOperations: Operations = {
  'POST /register': {
    tag: 'auth',
    public: true,
    summary: 'Create an account (the first is admin; later ones when registration is open, or by an admin)',
    body: { json: credentialsSchema, form: credentialsSchema },
    responses: {
      201: { description: 'Created and signed in (unless an admin created it)', schema: idJson },
      400: invalidInput,
      403: failure('registration is closed'),
      409: failure('username already taken'),
    },
  },
  'POST /login': {
    tag: 'auth',
    public: true,
    summary: 'Sign in: sets the session cookie',
    body: { json: loginSchema, form: loginSchema },
    responses: {
      200: { description: 'Signed in', schema: userJson.omit({ created_at: true }) },
      400: invalidInput,
      401: failure('invalid username or password'),
      429: failure('too many failed logins; see Retry-After'),
    },
  },
  'POST /logout': {
    tag: 'auth',
    public: true,
    summary: 'Sign out',
    responses: { 204: { description: 'Signed out' } },
  },
};
