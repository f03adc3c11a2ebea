import { sql } from 'kysely';
import type { MigrationFactory, UntypedDatabase } from './helpers.js';

/**
 * Runtimes (design/runtimes.md): a blueprint's CPU and memory limits (for the docker and swarm
 * runtimes; null: none), the swarm node a server is placed on ('' = any), and this database's
 * panel id, which labels its containers and services (one row, made at the first start).
 */
export const runtimes: MigrationFactory = () => ({
  async up(db: UntypedDatabase) {
    await db.schema.alterTable('blueprints').addColumn('cpu_limit', 'double precision').execute();
    await db.schema.alterTable('blueprints').addColumn('memory_limit_mb', 'integer').execute();
    await db.schema
      .alterTable('servers')
      .addColumn('node', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
    await db.schema
      .createTable('panel_identity')
      .addColumn('singleton', 'integer', (col) => col.primaryKey().defaultTo(1).check(sql`singleton = 1`))
      .addColumn('panel_id', 'text', (col) => col.notNull())
      .execute();
  },
});
