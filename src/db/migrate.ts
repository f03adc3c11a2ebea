import { type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { DatabaseHandle } from './connect.js';
import { initial } from './migrations/001-initial.js';
import { uniquePorts } from './migrations/002-unique-ports.js';
import { install } from './migrations/003-install.js';
import { addons } from './migrations/004-addons.js';
import { accounts } from './migrations/005-accounts.js';
import { operations } from './migrations/006-operations.js';
import { runtimes } from './migrations/007-runtimes.js';
import type { MigrationFactory } from './migrations/helpers.js';

/** Versioned migrations, in order. Names sort; never rename or edit one that has shipped. */
const migrationFactories: Record<string, MigrationFactory> = {
  '001-initial': initial,
  '002-unique-ports': uniquePorts,
  '003-install': install,
  '004-addons': addons,
  '005-accounts': accounts,
  '006-operations': operations,
  '007-runtimes': runtimes,
};

export const migrationNames = Object.keys(migrationFactories);

function migratorFor({ db, dialect }: DatabaseHandle): Migrator {
  return new Migrator({
    db,
    provider: {
      async getMigrations() {
        const entries = Object.entries(migrationFactories).map(([name, factory]) => [name, factory(dialect)]);
        return Object.fromEntries(entries) as Record<string, Migration>;
      },
    },
  });
}

export class MigrationError extends Error {}

function check({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    // No migration named: it never got to run one (the database could not be reached or read).
    throw new MigrationError(
      failed ? `migration ${failed} failed: ${reason}` : `cannot migrate the database: ${reason}`,
    );
  }
  return (results ?? []).map((result) => result.migrationName);
}

/** Applies every pending migration in one transaction; returns the names applied. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  return check(await migratorFor(handle).migrateToLatest());
}

/** Applies migrations up to and including `name` (tests build older databases with it). */
export async function migrateTo(handle: DatabaseHandle, name: string): Promise<string[]> {
  return check(await migratorFor(handle).migrateTo(name));
}

/** The names of the migrations not yet applied to the database. */
export async function pendingMigrations(handle: DatabaseHandle): Promise<string[]> {
  const migrations = await migratorFor(handle).getMigrations();
  return migrations
    .filter((migration) => migration.executedAt === undefined)
    .map((migration) => migration.name);
}
