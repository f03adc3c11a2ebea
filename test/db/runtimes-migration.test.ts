import { describe, expect, it } from 'vitest';
import { panelId } from '../../src/containers/panel-id.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { testDialects } from '../helpers/dialects.js';
import { eachTestAt002 } from '../helpers/older-database.js';

describe.each(testDialects())('migration 007-runtimes (%s)', (dialect) => {
  const at002 = eachTestAt002(dialect);

  it('gives existing blueprints no limits and existing servers any node', async () => {
    await migrateToLatest(at002.handle);
    expect(
      await at002.handle.db.selectFrom('blueprints').selectAll().executeTakeFirstOrThrow(),
    ).toMatchObject({
      name: 'coop',
      cpu_limit: null,
      memory_limit_mb: null,
    });
    expect(await at002.handle.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow()).toMatchObject({
      name: 'alpha',
      node: '',
    });
  });

  it('keeps fractional cores and whole megabytes as numbers', async () => {
    await migrateToLatest(at002.handle);
    await at002.handle.db.updateTable('blueprints').set({ cpu_limit: 1.25, memory_limit_mb: 1536 }).execute();
    const row = await at002.handle.db
      .selectFrom('blueprints')
      .select(['cpu_limit', 'memory_limit_mb'])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ cpu_limit: 1.25, memory_limit_mb: 1536 });
  });

  it('makes the panel id once: the same for every caller, one row only', async () => {
    await migrateToLatest(at002.handle);
    const [first, second] = await Promise.all([panelId(at002.handle.db), panelId(at002.handle.db)]);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
    expect(await panelId(at002.handle.db)).toBe(first);
    await expect(
      at002.handle.db.insertInto('panel_identity').values({ singleton: 2, panel_id: 'other' }).execute(),
    ).rejects.toThrow();
    expect(await at002.handle.db.selectFrom('panel_identity').selectAll().execute()).toHaveLength(1);
  });
});
