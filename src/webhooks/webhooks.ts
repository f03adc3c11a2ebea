import type { Kysely, Selectable } from 'kysely';
import type { SecretKey } from '../auth/secret-key.js';
import type { SessionUser } from '../auth/sessions.js';
import type { Database, WebhooksTable } from '../db/schema.js';
import { notFound } from '../http/errors.js';
import { type AlertEvent, alertEvents, type NewWebhook, type WebhookFormat } from './input.js';
import { checkTarget, maskUrl, parseTargetUrl } from './target.js';

/** A webhook as the JSON API shows it: the URL masked (a Discord URL is a secret). */
export interface Webhook {
  id: number;
  url: string;
  format: WebhookFormat;
  events: AlertEvent[];
  created_at: string;
  /** The last delivery: when, the target's HTTP status (null when it gave none) and why it failed. */
  last_delivery_at: string | null;
  last_status: number | null;
  last_error: string;
}

type WebhookRow = Selectable<WebhooksTable>;

const webhookRows = (db: Kysely<Database>) => db.selectFrom('webhooks').selectAll().orderBy('id');

const storedEvents = (text: string) =>
  text.split(',').filter((event): event is AlertEvent => (alertEvents as readonly string[]).includes(event));

function toWebhook(row: WebhookRow): Webhook {
  const { id, url_masked, format, events, created_at, last_delivery_at, last_status, last_error } = row;
  return {
    id,
    url: url_masked,
    format,
    events: storedEvents(events),
    created_at,
    last_delivery_at,
    last_status,
    last_error,
  };
}

/** The sealed URL's context: a ciphertext moved to another user's row does not open. */
const urlContext = (userId: number) => `webhook:${userId}`;

/** The user's webhooks (each user sees their own only, admins included: a URL is its owner's secret). */
export async function listWebhooks(db: Kysely<Database>, user: SessionUser): Promise<Webhook[]> {
  return (await webhookRows(db).where('user_id', '=', user.id).execute()).map(toWebhook);
}

/** Saves a webhook after checking its target (400 "webhook target is a private address"). */
export async function createWebhook(
  db: Kysely<Database>,
  secretKey: SecretKey,
  user: SessionUser,
  input: NewWebhook,
  allowPrivate: boolean,
  now = new Date(),
): Promise<number> {
  const url = parseTargetUrl(input.url);
  await checkTarget(url, allowPrivate);
  const { id } = await db
    .insertInto('webhooks')
    .values({
      user_id: user.id,
      url_sealed: secretKey.encrypt(url.href, urlContext(user.id)),
      url_masked: maskUrl(url),
      format: input.format,
      events: input.events.join(','),
      created_at: now.toISOString(),
      last_delivery_at: null,
      last_status: null,
      last_error: '',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** The user's own webhook row, else 404. */
async function ownRow(db: Kysely<Database>, user: SessionUser, id: number): Promise<WebhookRow> {
  const row = await webhookRows(db).where('id', '=', id).where('user_id', '=', user.id).executeTakeFirst();
  if (!row) throw notFound('webhook');
  return row;
}

export async function getWebhook(db: Kysely<Database>, user: SessionUser, id: number): Promise<Webhook> {
  return toWebhook(await ownRow(db, user, id));
}

export async function deleteWebhook(db: Kysely<Database>, user: SessionUser, id: number): Promise<Webhook> {
  const row = await ownRow(db, user, id);
  await db.deleteFrom('webhooks').where('id', '=', id).execute();
  return toWebhook(row);
}

/** A webhook to deliver to: its URL unsealed (null when DATA_DIR's key no longer opens it). */
export interface Target {
  id: number;
  url: string | null;
  format: WebhookFormat;
}

function toTarget(secretKey: SecretKey, row: WebhookRow): Target {
  return { id: row.id, url: secretKey.decrypt(row.url_sealed, urlContext(row.user_id)), format: row.format };
}

export async function ownTarget(db: Kysely<Database>, secretKey: SecretKey, user: SessionUser, id: number) {
  return toTarget(secretKey, await ownRow(db, user, id));
}

/**
 * The webhooks an event goes to: those of `ownerId` (the server's or the schedule's owner) and, for
 * install events (`admins`), every admin's, that asked for it.
 */
export async function targetsFor(
  db: Kysely<Database>,
  secretKey: SecretKey,
  event: AlertEvent,
  to: { ownerId?: number; admins?: boolean },
): Promise<Target[]> {
  const rows = await db
    .selectFrom('webhooks')
    .innerJoin('users', 'users.id', 'webhooks.user_id')
    .selectAll('webhooks')
    .where('users.disabled_at', 'is', null)
    .where((eb) =>
      eb.or([
        ...(to.ownerId !== undefined ? [eb('webhooks.user_id', '=', to.ownerId)] : []),
        ...(to.admins ? [eb('users.role', '=', 'admin')] : []),
        eb.lit(false),
      ]),
    )
    .orderBy('webhooks.id')
    .execute();
  return rows
    .filter((row) => storedEvents(row.events).includes(event))
    .map((row) => toTarget(secretKey, row));
}

/** Records a delivery's result (shown in the list). */
export async function recordDelivery(
  db: Kysely<Database>,
  id: number,
  result: { status: number | null; error: string },
  now = new Date(),
): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({
      last_delivery_at: now.toISOString(),
      last_status: result.status,
      last_error: result.error.slice(0, 500),
    })
    .where('id', '=', id)
    .execute();
}
