import type { ColumnDataType, ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.js';

/**
 * A migration sees the schema as it was at its version, not today's table types (Kysely's
 * advice), so it works on an untyped database.
 */
// biome-ignore lint/suspicious/noExplicitAny: the schema at a migration's version has no type of its own.
export type UntypedDatabase = Kysely<any>;

/** Migrations are written once for both dialects; the few differences take the dialect. */
export type MigrationFactory = (dialect: Dialect) => Migration;

/** An auto-incrementing integer primary key on either dialect. */
export function idColumn(
  dialect: Dialect,
): [ColumnDataType, (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder] {
  return dialect === 'postgres'
    ? ['serial', (col) => col.primaryKey()]
    : ['integer', (col) => col.primaryKey().autoIncrement()];
}
