import type { Kysely } from 'kysely';
import type { SessionUser } from '../auth/sessions.js';
import type { AddonKindName, AddonRow, Database } from '../db/schema.js';
import { AppError, invalidFields } from '../http/errors.js';
import { maySeeAddon, visibleAddons } from './library.js';
import type { AddonSet } from './link.js';
import { markBlueprintRestartRequired } from './restart.js';
import { adminsProblems, adminsSimpleIni, type SourcemodAdmin } from './sourcemod-admins.js';
import type { AddonStore } from './store.js';

/**
 * What a blueprint uses (design/addons.md): `addons` (VPKs and Workshop items, and which SourceMod
 * and Metamod:Source when it names them) and `sourcemod` {enabled, admins, plugins}. Checked against
 * what the user may see, stored in `blueprint_addons` and the blueprint's `sourcemod` column, and
 * turned into the set of files a launch links into the instance.
 */

export interface SourcemodSettings {
  enabled: boolean;
  admins: SourcemodAdmin[];
  plugins: number[];
}

export interface BlueprintAddons {
  addons: number[];
  sourcemod: SourcemodSettings;
}

export const NO_BLUEPRINT_ADDONS: BlueprintAddons = {
  addons: [],
  sourcemod: { enabled: false, admins: [], plugins: [] },
};

const VPK_KINDS: readonly AddonKindName[] = ['workshop', 'vpk'];
const TREE_KINDS = ['metamod', 'sourcemod'] as const;
const KIND_LABEL = { metamod: 'metamod addon (Metamod:Source)', sourcemod: 'sourcemod addon (SourceMod)' };

/** Each blueprint's addons and SourceMod settings, by blueprint id (blueprints without any get the empty set). */
export async function readBlueprintAddons(
  db: Kysely<Database>,
  blueprints: Array<{ id: number; sourcemod: string }>,
): Promise<Map<number, BlueprintAddons>> {
  const ids = blueprints.map((blueprint) => blueprint.id);
  const links =
    ids.length === 0
      ? []
      : await db
          .selectFrom('blueprint_addons')
          .selectAll()
          .where('blueprint_id', 'in', ids)
          .orderBy('position')
          .execute();
  return new Map(
    blueprints.map((blueprint) => {
      const stored = JSON.parse(blueprint.sourcemod) as { enabled: boolean; admins: SourcemodAdmin[] };
      const mine = links.filter((link) => link.blueprint_id === blueprint.id);
      const of = (role: 'addon' | 'plugin') => mine.filter((l) => l.role === role).map((l) => l.addon_id);
      return [
        blueprint.id,
        {
          addons: of('addon'),
          sourcemod: { enabled: stored.enabled, admins: stored.admins, plugins: of('plugin') },
        },
      ];
    }),
  );
}

/** The newest ready addon of a kind this user may use, for SourceMod when the blueprint names none. */
async function newestReady(db: Kysely<Database>, user: SessionUser | null, kind: 'metamod' | 'sourcemod') {
  const query = user ? visibleAddons(db, user) : db.selectFrom('addons').selectAll();
  return query.where('kind', '=', kind).where('state', '=', 'ready').orderBy('id', 'desc').executeTakeFirst();
}

/**
 * Refuses (400) what the user may not put in a blueprint: an addon the user cannot see ("addon N not
 * found", as a missing one), a plugin among the addons or anything else among the plugins, an
 * addon twice, two SourceMods, a bad admin entry, and SourceMod enabled without a ready sourcemod and
 * metamod addon (named in `addons`, or else in the library).
 */
export async function checkBlueprintAddons(
  db: Kysely<Database>,
  user: SessionUser,
  input: BlueprintAddons,
): Promise<void> {
  const { addons, sourcemod } = input;
  const ids = [...new Set([...addons, ...sourcemod.plugins])];
  const rows =
    ids.length === 0 ? [] : await db.selectFrom('addons').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const refuse = (field: 'addons' | 'sourcemod', message: string): never => {
    throw new AppError(400, message, { [field]: message });
  };
  const find = (field: 'addons' | 'sourcemod', id: number): AddonRow => {
    const row = byId.get(id);
    if (!row || !maySeeAddon(user, row)) return refuse(field, `addon ${id} not found`);
    return row;
  };
  for (const [field, list] of [
    ['addons', addons],
    ['sourcemod', sourcemod.plugins],
  ] as const) {
    const twice = list.find((id, index) => list.indexOf(id) !== index);
    if (twice !== undefined) refuse(field, `addon ${twice} is listed twice`);
  }
  const chosen = addons.map((id) => find('addons', id));
  const plugin = chosen.find((row) => row.kind === 'plugin');
  if (plugin)
    refuse('addons', `addon ${plugin.id} is a SourceMod plugin: choose it among the SourceMod plugins`);
  for (const kind of TREE_KINDS) {
    if (chosen.filter((row) => row.kind === kind).length > 1)
      refuse('addons', `choose at most one ${KIND_LABEL[kind]}`);
  }
  for (const id of sourcemod.plugins) {
    if (find('sourcemod', id).kind !== 'plugin') refuse('sourcemod', `addon ${id} is not a SourceMod plugin`);
  }
  const problems = adminsProblems(sourcemod.admins, user.role === 'admin');
  if (problems.length > 0) throw invalidFields({ sourcemod: problems.join('; ') });
  if (!sourcemod.enabled) return;
  const missing: string[] = [];
  for (const kind of TREE_KINDS) {
    const named = chosen.find((row) => row.kind === kind);
    const ready = named ? named.state === 'ready' : (await newestReady(db, user, kind)) !== undefined;
    if (!ready) missing.push(`a ready ${KIND_LABEL[kind]}`);
  }
  if (missing.length > 0) refuse('sourcemod', `SourceMod needs ${missing.join(' and ')}`);
}

const sameList = (a: number[], b: number[]) =>
  a.length === b.length && a.every((id, index) => id === b[index]);

/**
 * Stores a blueprint's addons (checked before), in a transaction of the caller's. When they differ
 * from before, the blueprint's live servers get `restart_required`.
 */
export async function saveBlueprintAddons(
  db: Kysely<Database>,
  blueprintId: number,
  input: BlueprintAddons,
): Promise<void> {
  const current = await db
    .selectFrom('blueprints')
    .select(['id', 'sourcemod'])
    .where('id', '=', blueprintId)
    .executeTakeFirstOrThrow();
  const before = (await readBlueprintAddons(db, [current])).get(blueprintId);
  await db.deleteFrom('blueprint_addons').where('blueprint_id', '=', blueprintId).execute();
  const links = [
    ...input.addons.map((addon_id, position) => ({
      blueprint_id: blueprintId,
      addon_id,
      role: 'addon' as const,
      position,
    })),
    ...input.sourcemod.plugins.map((addon_id, position) => ({
      blueprint_id: blueprintId,
      addon_id,
      role: 'plugin' as const,
      position,
    })),
  ];
  if (links.length > 0) await db.insertInto('blueprint_addons').values(links).execute();
  const { enabled, admins } = input.sourcemod;
  await db
    .updateTable('blueprints')
    .set({ sourcemod: JSON.stringify({ enabled, admins }) })
    .where('id', '=', blueprintId)
    .execute();
  const changed =
    !before ||
    !sameList(before.addons, input.addons) ||
    !sameList(before.sourcemod.plugins, input.sourcemod.plugins) ||
    before.sourcemod.enabled !== enabled ||
    JSON.stringify(before.sourcemod.admins) !== JSON.stringify(admins);
  if (changed) await markBlueprintRestartRequired(db, blueprintId);
}

/** Thrown when a launch cannot get what the blueprint asks for; the server fails with this message. */
export class AddonLaunchError extends Error {}

/**
 * The files a launch links for a blueprint: its stored VPKs (a Workshop item being refreshed keeps
 * its previous file meanwhile; one never stored is left out), and with SourceMod on, the Metamod and
 * SourceMod trees (the blueprint's, or the newest ready ones), its plugins and admins_simple.ini.
 */
export async function addonSetForLaunch(
  db: Kysely<Database>,
  store: AddonStore,
  blueprint: { id: number; sourcemod: string },
): Promise<AddonSet> {
  const settings = (await readBlueprintAddons(db, [blueprint])).get(blueprint.id) ?? NO_BLUEPRINT_ADDONS;
  const ids = [...settings.addons, ...settings.sourcemod.plugins];
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('addons')
          .selectAll()
          .where('id', 'in', ids)
          .where('content_key', '!=', '')
          .execute();
  const inOrder = (list: number[]) =>
    list.map((id) => rows.find((row) => row.id === id)).filter((row): row is AddonRow => row !== undefined);
  const addons = inOrder(settings.addons);
  const linked = (row: AddonRow, extension: string) => ({
    id: row.id,
    filename: row.filename,
    file: store.pathOf(row.content_key, extension),
  });
  const vpks = addons.filter((row) => VPK_KINDS.includes(row.kind)).map((row) => linked(row, 'vpk'));
  if (!settings.sourcemod.enabled) return { vpks, sourcemod: null };
  const tree = async (kind: 'metamod' | 'sourcemod') => {
    const row = addons.find((addon) => addon.kind === kind) ?? (await newestReady(db, null, kind));
    if (!row || row.content_key === '')
      throw new AddonLaunchError(`SourceMod is enabled but there is no ready ${KIND_LABEL[kind]}`);
    return store.pathOf(row.content_key, null);
  };
  return {
    vpks,
    sourcemod: {
      metamod: await tree('metamod'),
      sourcemod: await tree('sourcemod'),
      plugins: inOrder(settings.sourcemod.plugins).map((row) => linked(row, 'smx')),
      adminsIni: adminsSimpleIni(settings.sourcemod.admins),
    },
  };
}

/** The maps of a blueprint's stored VPKs, sorted: the server page offers them beside the stock ones. */
export async function blueprintMaps(db: Kysely<Database>, blueprintId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('blueprint_addons')
    .innerJoin('addons', 'addons.id', 'blueprint_addons.addon_id')
    .select('addons.maps')
    .where('blueprint_addons.blueprint_id', '=', blueprintId)
    .where('blueprint_addons.role', '=', 'addon')
    .where('addons.content_key', '!=', '')
    .execute();
  return [...new Set(rows.flatMap((row) => JSON.parse(row.maps) as string[]))].sort();
}
