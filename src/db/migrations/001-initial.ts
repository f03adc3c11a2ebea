import { idColumn, type MigrationFactory, type UntypedDatabase } from './helpers.js';

/** Accounts, sessions, blueprints and servers, as the seed's first schema had them. */
export const initial: MigrationFactory = (dialect) => ({
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('users')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('username', 'text', (col) => col.notNull())
      .addColumn('password_hash', 'text', (col) => col.notNull())
      .addColumn('role', 'text', (col) => col.notNull().defaultTo('user'))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('users_username_unique').unique().on('users').column('username').execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('blueprints')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('arguments', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('config', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('blueprints_user_name_unique')
      .unique()
      .on('blueprints')
      .columns(['user_id', 'name'])
      .execute();

    await db.schema
      .createTable('servers')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('blueprint_id', 'integer', (col) => col.notNull().references('blueprints.id'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('port', 'integer', (col) => col.notNull())
      .addColumn('desired_state', 'text', (col) => col.notNull().defaultTo('stopped'))
      .addColumn('actual_state', 'text', (col) => col.notNull().defaultTo('unknown'))
      .addColumn('last_error', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('rcon_password', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('servers_name_unique').unique().on('servers').column('name').execute();
    await db.schema.createIndex('servers_blueprint_id').on('servers').column('blueprint_id').execute();
    await db.schema.createIndex('servers_user_id').on('servers').column('user_id').execute();
  },
  async down(db: UntypedDatabase) {
    for (const table of ['servers', 'blueprints', 'sessions', 'users'])
      await db.schema.dropTable(table).execute();
  },
});
