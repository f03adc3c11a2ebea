import { sql } from 'kysely';
import { idColumn, type MigrationFactory, type UntypedDatabase } from './helpers.js';

/**
 * Day-two operations (design/operations.md): schedules with their servers and runs, webhooks for
 * alerts, and the append-only audit log.
 *
 * - `schedule_runs` is unique on (schedule_id, scheduled_for): inserting a run is how a panel claims
 *   it, so two panels on one database never run the same run, even across a lease hand-over.
 * - `webhooks.url_sealed` holds the URL encrypted with DATA_DIR's key (a Discord URL is a secret);
 *   `url_masked` is what pages and JSON show.
 * - `audit_log` has no foreign keys (an entry outlives the user or server it names) and refuses
 *   UPDATE in the database itself; only the retention sweep deletes.
 */
export const operations: MigrationFactory = (dialect) => ({
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('schedules')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('cron', 'text', (col) => col.notNull())
      .addColumn('timezone', 'text', (col) => col.notNull().defaultTo('UTC'))
      .addColumn('tasks', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('when_players', 'text', (col) => col.notNull().defaultTo('skip'))
      .addColumn('max_wait_minutes', 'integer', (col) => col.notNull().defaultTo(30))
      .addColumn('enabled', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('checked_until', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('schedules_user_id').on('schedules').column('user_id').execute();

    await db.schema
      .createTable('schedule_servers')
      .addColumn('schedule_id', 'integer', (col) =>
        col.notNull().references('schedules.id').onDelete('cascade'),
      )
      .addColumn('server_id', 'integer', (col) => col.notNull().references('servers.id').onDelete('cascade'))
      .execute();
    await db.schema
      .createIndex('schedule_servers_unique')
      .unique()
      .on('schedule_servers')
      .columns(['schedule_id', 'server_id'])
      .execute();
    await db.schema
      .createIndex('schedule_servers_server_id')
      .on('schedule_servers')
      .column('server_id')
      .execute();

    await db.schema
      .createTable('schedule_runs')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('schedule_id', 'integer', (col) =>
        col.notNull().references('schedules.id').onDelete('cascade'),
      )
      .addColumn('scheduled_for', 'text', (col) => col.notNull())
      .addColumn('manual', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('outcome', 'text', (col) => col.notNull())
      .addColumn('detail', 'text', (col) => col.notNull().defaultTo('[]'))
      .execute();
    await db.schema
      .createIndex('schedule_runs_claim_unique')
      .unique()
      .on('schedule_runs')
      .columns(['schedule_id', 'scheduled_for'])
      .execute();

    await db.schema
      .createTable('webhooks')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('url_sealed', 'text', (col) => col.notNull())
      .addColumn('url_masked', 'text', (col) => col.notNull())
      .addColumn('format', 'text', (col) => col.notNull())
      .addColumn('events', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_delivery_at', 'text')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('webhooks_user_id').on('webhooks').column('user_id').execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('at', 'text', (col) => col.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('username', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('ip', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('target_type', 'text')
      .addColumn('target_id', 'integer')
      .addColumn('detail', 'text', (col) => col.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    await db.schema.createIndex('audit_log_user_id').on('audit_log').columns(['user_id', 'id']).execute();
    await db.schema
      .createIndex('audit_log_target')
      .on('audit_log')
      .columns(['target_type', 'target_id'])
      .execute();

    // Append-only, in the database too: no UPDATE of an entry ever succeeds.
    if (dialect === 'sqlite') {
      await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END`.execute(db);
    } else {
      await sql`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$`.execute(db);
      await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(db);
    }
  },
  async down(db: UntypedDatabase) {
    for (const table of ['audit_log', 'webhooks', 'schedule_runs', 'schedule_servers', 'schedules'])
      await db.schema.dropTable(table).execute();
    if (dialect === 'postgres') await sql`DROP FUNCTION IF EXISTS audit_log_append_only()`.execute(db);
  },
});
