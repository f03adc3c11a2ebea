import { idColumn, type MigrationFactory, type UntypedDatabase } from './helpers.js';

/** The blueprint's SourceMod settings before anyone set them. */
export const SOURCEMOD_OFF = '{"enabled":false,"admins":[]}';

/**
 * Addons (design/addons.md): the library (`addons`, one row per user and item; the content itself
 * is stored once in $DATA_DIR/addons/ under `content_key`), what each blueprint uses
 * (`blueprint_addons`: its VPKs, role `addon`, and its SourceMod plugins, role `plugin`, in order),
 * the blueprint's SourceMod settings, and the servers that run an older set of addons than their
 * blueprint names (`restart_required`).
 */
export const addons: MigrationFactory = (dialect) => ({
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('addons')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('workshop_id', 'text')
      .addColumn('title', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('filename', 'text', (col) => col.notNull())
      .addColumn('size', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('time_updated', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('state', 'text', (col) => col.notNull().defaultTo('queued'))
      .addColumn('percent', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('error', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('content_key', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('maps', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    // One row per user and Workshop item (NULLs, the uploads, never clash): adding it twice is safe.
    await db.schema
      .createIndex('addons_user_workshop_unique')
      .unique()
      .on('addons')
      .columns(['user_id', 'workshop_id'])
      .execute();
    await db.schema.createIndex('addons_content_key').on('addons').column('content_key').execute();
    await db.schema
      .createTable('blueprint_addons')
      .addColumn('blueprint_id', 'integer', (col) =>
        col.notNull().references('blueprints.id').onDelete('cascade'),
      )
      .addColumn('addon_id', 'integer', (col) => col.notNull().references('addons.id').onDelete('cascade'))
      .addColumn('role', 'text', (col) => col.notNull())
      .addColumn('position', 'integer', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('blueprint_addons_unique')
      .unique()
      .on('blueprint_addons')
      .columns(['blueprint_id', 'role', 'addon_id'])
      .execute();
    await db.schema.createIndex('blueprint_addons_addon').on('blueprint_addons').column('addon_id').execute();
    await db.schema
      .alterTable('blueprints')
      .addColumn('sourcemod', 'text', (col) => col.notNull().defaultTo(SOURCEMOD_OFF))
      .execute();
    await db.schema
      .alterTable('servers')
      .addColumn('restart_required', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  },
  async down(db: UntypedDatabase) {
    await db.schema.alterTable('servers').dropColumn('restart_required').execute();
    await db.schema.alterTable('blueprints').dropColumn('sourcemod').execute();
    await db.schema.dropTable('blueprint_addons').execute();
    await db.schema.dropTable('addons').execute();
  },
});
