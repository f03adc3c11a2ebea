import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { nameStatement } from './named-statements.js';
import type { Database } from './schema.js';

/** Stands in for a value when a prepared query is built; its name says which value of a run goes there. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** The stand-ins a prepared query is built with: `p.userId` where the value will go. */
export type Placeholders<Params> = { readonly [Name in keyof Params]: Params[Name] };

/** Where each parameter of the compiled SQL comes from: a value of the run (by name), or a constant. */
type Slot = { name: string } | { constant: unknown };

interface Template {
  query: CompiledQuery;
  slots: Slot[];
}

export interface PreparedQuery<Params, Row> {
  /** Runs the query with these values (on db, or on a transaction of it). */
  run(db: Kysely<Database>, params: Params): Promise<Row[]>;
}

/**
 * A query of a hot path built and compiled once per database, then run with new values: otherwise
 * Kysely builds its tree and compiles it to SQL on every request (and on SQLite, src/db/connect.ts
 * keeps the prepared statement of that SQL; on PostgreSQL each connection keeps it by name:
 * src/db/named-statements.ts). `build` must use a placeholder for every value that
 * changes between runs, and must not branch on them.
 */
export function preparedQuery<Params extends Record<string, unknown>, Row>(
  build: (db: Kysely<Database>, p: Placeholders<Params>) => Compilable<Row>,
): PreparedQuery<Params, Row> {
  const templates = new WeakMap<Kysely<Database>, Template>();
  const placeholders = new Proxy({} as Placeholders<Params>, {
    get: (_target, name) => new Placeholder(String(name)),
  });
  const compile = (db: Kysely<Database>): Template => {
    const query = build(db, placeholders).compile();
    nameStatement(query.sql);
    const slots = query.parameters.map(
      (value): Slot => (value instanceof Placeholder ? { name: value.name } : { constant: value }),
    );
    return { query, slots };
  };
  return {
    async run(db, params) {
      let template = templates.get(db);
      if (!template) {
        template = compile(db);
        templates.set(db, template);
      }
      const parameters = template.slots.map((slot) => ('name' in slot ? params[slot.name] : slot.constant));
      const result = await db.executeQuery<Row>({ ...template.query, parameters });
      return result.rows;
    },
  };
}
