import type { Kysely } from 'kysely';
import { ownerScope } from '../auth/ownership.js';
import type { SessionUser } from '../auth/sessions.js';
import type { AddonKindName, AddonRow, Database } from '../db/schema.js';
import { AppError, conflict, notFound } from '../http/errors.js';
import type { AddonEvents } from './events.js';
import type { AddonStore } from './store.js';

/**
 * The addon library (design/addons.md): rows per user, content stored once. Who sees what:
 * everyone their own addons, admins all of them, and everyone the code addons (SourceMod,
 * Metamod:Source, plugins), which only admins may upload (they run as native code or with file
 * access on the host), so an admin's SourceMod serves every user's blueprints.
 */

export interface Addon {
  id: number;
  kind: AddonKindName;
  workshop_id: string | null;
  title: string;
  filename: string;
  size: number;
  time_updated: number;
  state: AddonRow['state'];
  percent: number;
  error: string;
  maps: string[];
}

/** Kinds that run code on the host: uploaded by admins only, then shared with every user. */
export const CODE_KINDS: readonly AddonKindName[] = ['sourcemod', 'metamod', 'plugin'];
export const isCode = (kind: AddonKindName) => CODE_KINDS.includes(kind);

/** Where a kind's content lives in the store: a file with this extension, or (null) an unpacked tree. */
export function storedExtension(kind: AddonKindName): string | null {
  if (kind === 'plugin') return 'smx';
  return kind === 'sourcemod' || kind === 'metamod' ? null : 'vpk';
}

export function toAddon(row: AddonRow): Addon {
  return {
    id: row.id,
    kind: row.kind,
    workshop_id: row.workshop_id,
    title: row.title,
    filename: row.filename,
    size: Number(row.size),
    time_updated: Number(row.time_updated),
    state: row.state,
    percent: row.percent,
    error: row.error,
    maps: JSON.parse(row.maps) as string[],
  };
}

/** May this user see (and use in a blueprint) this addon? */
export function maySeeAddon(user: SessionUser, row: Pick<AddonRow, 'user_id' | 'kind'>): boolean {
  const owner = ownerScope(user);
  return owner === null || owner === row.user_id || isCode(row.kind);
}

export function visibleAddons(db: Kysely<Database>, user: SessionUser) {
  const owner = ownerScope(user);
  return db
    .selectFrom('addons')
    .selectAll()
    .$if(owner !== null, (query) =>
      query.where((eb) => eb.or([eb('user_id', '=', owner as number), eb('kind', 'in', [...CODE_KINDS])])),
    );
}

export async function listAddons(db: Kysely<Database>, user: SessionUser): Promise<Addon[]> {
  const rows = await visibleAddons(db, user).orderBy('id').execute();
  return rows.map(toAddon);
}

/** The addon if this user may see it; 404 "addon not found" otherwise, whether missing or another's. */
export async function getAddonRow(db: Kysely<Database>, user: SessionUser, id: number): Promise<AddonRow> {
  const row = await visibleAddons(db, user).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('addon');
  return row;
}

/** How many blueprints use an addon (as an addon or a plugin), whoever owns them. */
export async function blueprintsUsing(db: Kysely<Database>, addonId: number): Promise<number> {
  const { count } = await db
    .selectFrom('blueprint_addons')
    .select((eb) => eb.fn.count<number>('blueprint_id').distinct().as('count'))
    .where('addon_id', '=', addonId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * Stored content no row refers to any more goes. Under the content's lock, so a commit of the same
 * content and the row referring to it cannot slip in between the look-up and the removal.
 */
export async function removeUnreferenced(
  db: Kysely<Database>,
  store: AddonStore,
  key: string,
  kind: AddonKindName,
): Promise<void> {
  if (key === '') return;
  await store.withKey(key, async () => {
    const other = await db
      .selectFrom('addons')
      .select('id')
      .where('content_key', '=', key)
      .executeTakeFirst();
    if (!other) await store.remove(key, storedExtension(kind));
  });
}

/**
 * Deletes an addon the user may see: 409 while a blueprint uses it; a shared code addon only by an
 * admin (403). Its stored content goes when no other addon has the same.
 */
export async function deleteAddon(
  db: Kysely<Database>,
  store: AddonStore,
  events: AddonEvents,
  user: SessionUser,
  id: number,
): Promise<void> {
  const row = await getAddonRow(db, user, id);
  if (user.role !== 'admin' && row.user_id !== user.id)
    throw new AppError(403, 'only an admin can delete a shared SourceMod, Metamod:Source or plugin addon');
  const used = await blueprintsUsing(db, id);
  if (used > 0) throw conflict(`addon is used by ${used} blueprints`);
  await db.deleteFrom('addons').where('id', '=', id).execute();
  events.removed(row);
  await removeUnreferenced(db, store, row.content_key, row.kind);
}
