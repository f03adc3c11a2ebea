import { z } from 'zod';
import { passwordChangeSchema } from '../auth/input.js';
import type { ApiToken } from '../auth/tokens.js';
import {
  failure,
  formTwin,
  invalidInput,
  notFoundAnswer,
  type Operation,
  type Operations,
  sameAs,
  timestamp,
} from '../http/operation.js';
import { newTokenSchema, tokenScopes, totpCodeSchema } from './input.js';

const tokenJson = sameAs<ApiToken>()(
  z
    .object({
      id: z.number().int(),
      name: z.string(),
      scope: z.enum(tokenScopes),
      created_at: timestamp,
      expires_at: timestamp.nullable().meta({ description: 'null: never' }),
      last_used_at: timestamp.nullable(),
    })
    .meta({ title: 'ApiToken' }),
);

const revokeToken: Operation = {
  tag: 'account',
  summary: 'Revoke one of your API tokens (its open streams end)',
  responses: { 204: { description: 'Revoked' }, 404: notFoundAnswer('token') },
};

const turnOffTotp: Operation = {
  tag: 'account',
  summary: 'Turn two-factor sign-in off, with a current code (or a recovery code)',
  body: { json: totpCodeSchema, form: totpCodeSchema },
  responses: {
    204: { description: 'Off' },
    400: failure('code: not a current code'),
    409: failure('two-factor sign-in is not on'),
  },
};

/** Your own account: password, API tokens, two-factor sign-in; for the OpenAPI document. */
export const accountOperations: Operations = {
  'GET /account': {
    tag: 'account',
    summary: 'Who you are',
    responses: {
      200: {
        description: 'Your account',
        schema: z.object({
          id: z.number().int(),
          username: z.string(),
          role: z.enum(['admin', 'user']),
          totp_enabled: z.boolean(),
        }),
      },
    },
  },
  'GET /account/tokens': {
    tag: 'account',
    summary: 'Your API tokens (never the tokens themselves)',
    responses: { 200: { description: 'The tokens', schema: z.object({ tokens: z.array(tokenJson) }) } },
  },
  'POST /account/tokens': {
    tag: 'account',
    summary: 'Make an API token: `read` (GET only) or `write`, lasting `expires_in_days` (none: no expiry)',
    description: 'The token is in this answer only: the panel keeps its sha256.',
    body: { json: newTokenSchema('json'), form: newTokenSchema('form') },
    responses: {
      201: {
        description: 'Made; send it as `Authorization: Bearer <token>`',
        schema: z.object({ id: z.number().int(), token: z.string() }),
      },
      400: invalidInput,
    },
  },
  'DELETE /account/tokens/:id': revokeToken,
  'POST /account/tokens/:id/delete': formTwin(revokeToken, 'Revoke a token (the HTML form; same as DELETE)'),
  'POST /account/password': {
    tag: 'account',
    summary: 'Change your password: every other session (and stream) of yours ends',
    body: { json: passwordChangeSchema, form: passwordChangeSchema },
    responses: {
      204: { description: 'Changed' },
      400: invalidInput,
      401: failure('current password is wrong'),
      429: failure('too many failed logins; see Retry-After'),
    },
  },
  'POST /account/totp': {
    tag: 'account',
    summary: 'Start setting up two-factor sign-in: a new secret, not active until confirmed',
    responses: {
      200: {
        description: 'The secret, its otpauth:// URI and that URI as a QR code (SVG)',
        schema: z.object({ secret: z.string(), otpauth_uri: z.string(), qr_svg: z.string() }),
      },
      409: failure('two-factor sign-in is already on'),
    },
  },
  'POST /account/totp/confirm': {
    tag: 'account',
    summary: 'Turn two-factor sign-in on with a code from the new secret',
    body: { json: totpCodeSchema, form: totpCodeSchema },
    responses: {
      200: {
        description: 'On: ten recovery codes, each good for one sign-in, shown this once',
        schema: z.object({ recovery_codes: z.array(z.string()) }),
      },
      400: failure('code: not a current code'),
      409: failure('two-factor sign-in is already on; or: start setting up two-factor sign-in first'),
    },
  },
  'DELETE /account/totp': turnOffTotp,
  'POST /account/totp/delete': formTwin(
    turnOffTotp,
    'Turn two-factor sign-in off (the HTML form; same as DELETE)',
  ),
};
