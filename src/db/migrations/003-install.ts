import { sql } from 'kysely';
import { idColumn, type MigrationFactory, type UntypedDatabase } from './helpers.js';

/**
 * Installing and updating the game (design/install.md): the jobs, their logs, and what the last
 * update check learned. At most one job runs at a time, enforced by a partial unique index.
 */
export const install: MigrationFactory = (dialect) => ({
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('install_jobs')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('phase', 'text', (col) => col.notNull())
      .addColumn('percent', 'double precision', (col) => col.notNull().defaultTo(0))
      .addColumn('bytes_done', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('bytes_total', 'bigint', (col) => col.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('error', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('files_intact', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('started_at', 'text', (col) => col.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema
      .createIndex('install_jobs_one_running')
      .unique()
      .on('install_jobs')
      .column('state')
      .where(sql.ref('state'), '=', 'running')
      .execute();
    await db.schema
      .createTable('install_job_lines')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('job_id', 'integer', (col) =>
        col.notNull().references('install_jobs.id').onDelete('cascade'),
      )
      .addColumn('line', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('install_job_lines_job_id')
      .on('install_job_lines')
      .columns(['job_id', 'id'])
      .execute();
    await db.schema
      .createTable('install_status')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .addColumn('remote_buildid', 'text')
      .addColumn('checked_at', 'text')
      .execute();
  },
  async down(db: UntypedDatabase) {
    for (const table of ['install_status', 'install_job_lines', 'install_jobs'])
      await db.schema.dropTable(table).execute();
  },
});
