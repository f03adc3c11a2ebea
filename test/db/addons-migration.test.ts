import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { SOURCEMOD_OFF } from '../../src/db/migrations/004-addons.js';
import { testDialects } from '../helpers/dialects.js';
import { OLD_TIMESTAMP as at, eachTestAt002 } from '../helpers/older-database.js';

describe.each(testDialects())('migration 004-addons (%s)', (dialect) => {
  const at002 = eachTestAt002(dialect);

  it('gives existing blueprints SourceMod off and servers no pending restart', async () => {
    await migrateToLatest(at002.handle);
    const blueprint = await at002.handle.db.selectFrom('blueprints').selectAll().executeTakeFirstOrThrow();
    expect(blueprint).toMatchObject({ name: 'coop', sourcemod: SOURCEMOD_OFF });
    expect(JSON.parse(blueprint.sourcemod)).toEqual({ enabled: false, admins: [] });
    expect(await at002.handle.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow()).toMatchObject({
      name: 'alpha',
      restart_required: 0,
    });
  });

  it('keeps one row per user and Workshop item, any number of uploads, and sizes past 4 GB', async () => {
    await migrateToLatest(at002.handle);
    const { db } = at002.handle;
    const addon = (workshop_id: string | null) => ({
      user_id: 1,
      kind: workshop_id ? ('workshop' as const) : ('vpk' as const),
      workshop_id,
      title: 't',
      filename: 'f.vpk',
      size: 5 * 1024 ** 3,
      time_updated: 1700000000,
      state: 'ready' as const,
      created_at: at,
      updated_at: at,
    });
    await db
      .insertInto('addons')
      .values([addon('123'), addon(null), addon(null)])
      .execute();
    await expect(db.insertInto('addons').values(addon('123')).execute()).rejects.toThrow();
    const rows = await db.selectFrom('addons').selectAll().orderBy('id').execute();
    expect(
      rows.map((row) => [row.workshop_id, row.size, row.state, row.percent, row.maps, row.content_key]),
    ).toEqual([
      ['123', 5 * 1024 ** 3, 'ready', 0, '[]', ''],
      [null, 5 * 1024 ** 3, 'ready', 0, '[]', ''],
      [null, 5 * 1024 ** 3, 'ready', 0, '[]', ''],
    ]);
    // A blueprint's links go with it; an addon used by a blueprint cannot vanish under it unnoticed.
    await db
      .insertInto('blueprint_addons')
      .values({ blueprint_id: 1, addon_id: 1, role: 'addon', position: 0 })
      .execute();
    await expect(
      db
        .insertInto('blueprint_addons')
        .values({ blueprint_id: 1, addon_id: 1, role: 'addon', position: 1 })
        .execute(),
    ).rejects.toThrow();
    await db.deleteFrom('servers').execute();
    await db.deleteFrom('blueprints').execute();
    expect(await db.selectFrom('blueprint_addons').selectAll().execute()).toEqual([]);
  });
});
