import type { ColumnDataType, ColumnDefinitionBuilder, Migration } from 'kysely';
import type { Dialect } from '../connect.js';

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
