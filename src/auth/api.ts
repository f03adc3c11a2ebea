import { z } from 'zod';
import { failure, idJson, invalidInput, type Operations, sameAs, timestamp } from '../http/operation.js';
import { credentialsSchema, loginCodeSchema, loginSchema } from './input.js';
import type { SessionUser } from './sessions.js';
import type { UserListItem } from './users.js';

const roleJson = z.enum(['admin', 'user']);

/** Who signed in: the answer of POST /login. */
export const signedInJson = sameAs<SessionUser>()(
  z.object({ id: z.number().int(), username: z.string(), role: roleJson }).meta({ title: 'SignedIn' }),
);

/** An account as the admin's JSON API shows it. */
export const userJson = sameAs<UserListItem>()(
  z
    .object({
      id: z.number().int(),
      username: z.string(),
      role: roleJson,
      created_at: timestamp,
      disabled: z
        .boolean()
        .meta({ description: 'A disabled account cannot sign in; its tokens are refused' }),
      totp_enabled: z.boolean().meta({ description: 'Whether it signs in with a two-factor code' }),
    })
    .meta({ title: 'User' }),
);

const signedIn = { description: 'Signed in: the session cookie is set', schema: signedInJson };

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
    description:
      'An account with two-factor sign-in needs `code` too (six digits from the authenticator app, or a ' +
      'recovery code): without it, 401 "code required". A form without it gets the second step, a page ' +
      'that posts the code to POST /login/code. A wrong code counts as a failed login.',
    body: { json: loginSchema, form: loginSchema },
    responses: {
      200: signedIn,
      400: invalidInput,
      401: failure('invalid username or password; or: code required; or: invalid two-factor code'),
      403: failure('this account is disabled'),
      429: failure('too many failed logins; see Retry-After'),
    },
  },
  'POST /login/code': {
    tag: 'auth',
    public: true,
    summary: "Sign in, second step: the two-factor code, with the page's signed login token",
    body: { json: loginCodeSchema, form: loginCodeSchema },
    responses: {
      200: signedIn,
      400: invalidInput,
      401: failure('invalid two-factor code; or: the sign-in expired: enter your password again'),
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
