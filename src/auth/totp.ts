import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import type { Database } from '../db/schema.js';
import { AppError, conflict, invalidFields } from '../http/errors.js';
import type { SecretKey } from './secret-key.js';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30 s; a code of the step before or after passes too. */
const PERIOD_S = 30;
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

/** What the user scans or types to add the account to an authenticator app. */
export interface TotpSetup {
  /** Base32, as apps take it typed in. */
  secret: string;
  otpauth_uri: string;
  /** The URI as a QR code, an inline SVG document. */
  qr_svg: string;
}

function totpOf(secret: string, username: string): TOTP {
  return new TOTP({
    issuer: 'l4d2web',
    label: username,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_S,
    secret: Secret.fromBase32(secret),
  });
}

/** The time step a moment falls in. */
export function timeStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / PERIOD_S);
}

/** The step whose code this is (within ±1 step of now), or null. */
export function matchingStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret, '').validate({ token: code, timestamp: now.getTime(), window: WINDOW });
  return delta === null ? null : timeStep(now) + delta;
}

const keyContext = (userId: number) => `totp:${userId}`;

async function totpRow(db: Kysely<Database>, userId: number) {
  return db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Whether the user signs in with a second factor. */
export async function totpEnabled(db: Kysely<Database>, userId: number): Promise<boolean> {
  return (await totpRow(db, userId))?.enabled_at != null;
}

const alreadyOn = () => conflict('two-factor sign-in is already on');

/**
 * Makes a new secret for the user (not yet active: confirmTotp turns it on), stored encrypted.
 * Asking again replaces a secret that was never confirmed.
 */
export async function startTotp(
  db: Kysely<Database>,
  key: SecretKey,
  user: { id: number; username: string },
  now = new Date(),
): Promise<TotpSetup> {
  const existing = await totpRow(db, user.id);
  if (existing?.enabled_at) throw alreadyOn();
  const secret = new Secret({ size: 20 }).base32;
  const sealed = key.encrypt(secret, keyContext(user.id));
  await db.deleteFrom('user_totp').where('user_id', '=', user.id).where('enabled_at', 'is', null).execute();
  await db
    .insertInto('user_totp')
    .values({ user_id: user.id, secret: sealed, enabled_at: null, created_at: now.toISOString() })
    .execute();
  const otpauthUri = totpOf(secret, user.username).toString();
  return { secret, otpauth_uri: otpauthUri, qr_svg: renderSVG(otpauthUri, { ecc: 'M', border: 2 }) };
}

/** The user's secret in the clear; null when there is none (or it cannot be decrypted with this key). */
async function secretOf(db: Kysely<Database>, key: SecretKey, userId: number, enabled: boolean) {
  const row = await totpRow(db, userId);
  if (!row || (row.enabled_at !== null) !== enabled) return null;
  const secret = key.decrypt(row.secret, keyContext(userId));
  if (secret === null)
    throw new Error(`the two-factor secret of user ${userId} does not open with DATA_DIR's key`);
  return { secret, row };
}

const wrongCode = () => invalidFields({ code: 'is not the current code of your authenticator app' });

/** Turns two-factor sign-in on with a code from the new secret; returns the recovery codes (shown once). */
export async function confirmTotp(
  db: Kysely<Database>,
  key: SecretKey,
  userId: number,
  code: string,
  now = new Date(),
): Promise<string[]> {
  if (await totpEnabled(db, userId)) throw alreadyOn();
  const pending = await secretOf(db, key, userId, false);
  if (!pending) throw conflict('start setting up two-factor sign-in first');
  if (matchingStep(pending.secret, code, now) === null) throw wrongCode();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('user_totp')
      .set({ enabled_at: now.toISOString() })
      .where('user_id', '=', userId)
      .execute();
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await trx
      .insertInto('recovery_codes')
      .values(codes.map((code) => ({ user_id: userId, code_hash: recoveryCodeHash(code), used_at: null })))
      .execute();
  });
  return codes;
}

/** Turns two-factor sign-in off, given a current code (or a recovery code). */
export async function disableTotp(
  db: Kysely<Database>,
  key: SecretKey,
  userId: number,
  code: string,
  now = new Date(),
): Promise<void> {
  if (!(await totpEnabled(db, userId))) throw conflict('two-factor sign-in is not on');
  if (!(await checkSecondFactor(db, key, userId, code, now))) throw wrongCode();
  await removeTotp(db, userId);
}

/** Removes the user's second factor and recovery codes (also an admin's reset, `l4d2web`'s CLI). */
export async function removeTotp(db: Kysely<Database>, userId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await trx.deleteFrom('user_totp').where('user_id', '=', userId).execute();
  });
}

/**
 * Whether the code proves the second factor: a current code of the user's authenticator (each step's
 * code signs in once: RFC 6238 5.2), or one of their recovery codes, which is spent. Atomic against a
 * concurrent use of the same code.
 */
export async function checkSecondFactor(
  db: Kysely<Database>,
  key: SecretKey,
  userId: number,
  code: string,
  now = new Date(),
): Promise<boolean> {
  const typed = code.replace(/\s+/g, '');
  if (/^\d{6}$/.test(typed)) {
    const active = await secretOf(db, key, userId, true);
    if (!active) return false;
    const step = matchingStep(active.secret, typed, now);
    if (step === null) return false;
    const used = parseSteps(active.row.used_steps);
    if (used.includes(step)) return false;
    // Steps older than the window can never match again: forget them.
    const kept = [...used, step].filter((s) => s >= timeStep(now) - WINDOW - 1);
    const result = await db
      .updateTable('user_totp')
      .set({ used_steps: JSON.stringify(kept) })
      .where('user_id', '=', userId)
      .where('used_steps', '=', active.row.used_steps)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', recoveryCodeHash(typed))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

function parseSteps(json: string): number[] {
  try {
    const steps: unknown = JSON.parse(json);
    return Array.isArray(steps) ? steps.filter((s): s is number => typeof s === 'number') : [];
  } catch {
    return [];
  }
}

/** How many unspent recovery codes the user has. */
export async function recoveryCodesLeft(db: Kysely<Database>, userId: number): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** xxxx-xxxx-xxxx-xxxx from 31 unambiguous characters: 79 random bits. */
function recoveryCode(): string {
  const chars = Array.from({ length: 16 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return chars.join('').replace(/(.{4})(?!$)/g, '$1-');
}

/** Stored as sha256 of the code as typed any way (case, dashes): 79 random bits need no slow hash. */
function recoveryCodeHash(code: string): string {
  return createHash('sha256')
    .update(code.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .digest('hex');
}

/** The 401 of a wrong second factor at sign-in. */
export const invalidCode = () => new AppError(401, 'invalid two-factor code');
