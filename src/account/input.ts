import { z } from 'zod';
import { codeField } from '../auth/input.js';
import type { NewToken } from '../auth/tokens.js';
import { type BodySource, nameField, parseBody, wholeNumberField } from '../http/input.js';

export const tokenScopes = ['read', 'write'] as const;

/** The longest a token may be made to last: ten years (or no expiry at all). */
const MAX_DAYS = 3650;

/** POST /account/tokens: a name to recognise it by, its scope, and maybe the days it lasts (none: no expiry). */
export const newTokenSchema = (source: BodySource) => {
  const days = wholeNumberField(source, `a number of days from 1 to ${MAX_DAYS}`).refine(
    (value) => value >= 1 && value <= MAX_DAYS,
    `must be a number of days from 1 to ${MAX_DAYS}`,
  );
  return z.strictObject({
    name: nameField(64),
    scope: z.enum(tokenScopes, { error: 'must be read or write' }),
    // A form's "never" is an empty field.
    expires_in_days: (source === 'form'
      ? z
          .literal('')
          .transform(() => undefined)
          .or(days)
      : days
    ).optional(),
  });
};
const tokenSchemas = { form: newTokenSchema('form'), json: newTokenSchema('json') };

export function parseNewToken(body: unknown, source: BodySource): NewToken {
  return parseBody(tokenSchemas[source], body);
}

/** POST /account/totp/confirm and DELETE /account/totp: a code of the authenticator app. */
export const totpCodeSchema = z.strictObject({ code: codeField });

export function parseTotpCode(body: unknown): string {
  return parseBody(totpCodeSchema, body ?? {}).code;
}
