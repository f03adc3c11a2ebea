import { idColumn, type MigrationFactory, type UntypedDatabase } from './helpers.js';

/**
 * Accounts for communities (design/accounts.md): disabled users, API tokens (hashes only), two-factor
 * sign-in (the secret encrypted with a key kept in DATA_DIR, recovery codes hashed) and server members.
 */
export const accounts: MigrationFactory = (dialect) => ({
  async up(db: UntypedDatabase) {
    // Null while the account may sign in; when an admin disabled it otherwise.
    await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('scope', 'text', (col) => col.notNull())
      .addColumn('token_hash', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema
      .createIndex('api_tokens_token_hash_unique')
      .unique()
      .on('api_tokens')
      .column('token_hash')
      .execute();
    await db.schema.createIndex('api_tokens_user_id').on('api_tokens').column('user_id').execute();

    await db.schema
      .createTable('user_totp')
      .addColumn('user_id', 'integer', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('secret', 'text', (col) => col.notNull())
      .addColumn('enabled_at', 'text')
      .addColumn('used_steps', 'text', (col) => col.notNull().defaultTo('[]'))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('recovery_codes')
      .addColumn('id', ...idColumn(dialect))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .execute();
    await db.schema
      .createIndex('recovery_codes_user_code_unique')
      .unique()
      .on('recovery_codes')
      .columns(['user_id', 'code_hash'])
      .execute();

    await db.schema
      .createTable('server_members')
      .addColumn('server_id', 'integer', (col) => col.notNull().references('servers.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('permissions', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('server_members_unique')
      .unique()
      .on('server_members')
      .columns(['server_id', 'user_id'])
      .execute();
    await db.schema.createIndex('server_members_user_id').on('server_members').column('user_id').execute();
  },
  async down(db: UntypedDatabase) {
    for (const table of ['server_members', 'recovery_codes', 'user_totp', 'api_tokens'])
      await db.schema.dropTable(table).execute();
    await db.schema.alterTable('users').dropColumn('disabled_at').execute();
  },
});
