import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL parses, analyses and plans an unnamed statement anew every time it runs: under the
 * bench's create-and-delete load that was over a third of the server's CPU (perf). A statement sent
 * under a name is parsed and planned once per connection, and then only bound and run.
 *
 * Which statements: those with parameters (the panel's queries; DDL and BEGIN/COMMIT have none), sent
 * outside a transaction, up to MAX_NAMED distinct SQL texts per process (each costs memory on every
 * connection: IN-lists of every length must not grow that without end).
 *
 * Where a name cannot work, the statement runs again unnamed and its text is never named again. It
 * failed before doing anything, so running it again is safe, and outside a transaction nothing else
 * was undone with it:
 * - 0A000 "cached plan must not change result type": a `select *` named before a migration changed
 *   its table (another panel, or a test, migrating the database under this pool);
 * - 26000 (no such statement) and 42P05 (already exists): a pooler between us and PostgreSQL
 *   (PgBouncer in transaction mode) that hands us another server connection than the one it was
 *   named on.
 */
const MAX_NAMED = 256;

/**
 * Each text's hash, or null once it may not be named. A name says which text it stands for (its
 * hash), so that behind a pooler a connection of the server that already holds the name (from this
 * process or another panel) holds the same statement: never another one run with our values.
 */
const texts = new Map<string, string | null>();

function textHash(text: string): string | null {
  const hash = texts.get(text);
  if (hash !== undefined) return hash;
  if (texts.size >= MAX_NAMED) return null;
  const made = createHash('sha256').update(text).digest('hex').slice(0, 24);
  texts.set(text, made);
  return made;
}

const unnamable = new Set(['0A000', '26000', '42P05']);

/** Connections in this process, numbered: names are per connection (a PGlite session can be shared). */
let connections = 0;

type Send = (...args: unknown[]) => Promise<unknown>;

/** pg's Client, naming statements as above (`new pg.Pool({ Client: NamingClient })`). */
export class NamingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const connection = ++connections;
    const send = this.query.bind(this) as Send;
    const query: Send = (...args) => {
      const [text, values] = args;
      const named =
        args.length === 2 &&
        typeof text === 'string' &&
        Array.isArray(values) &&
        values.length > 0 &&
        this.getTransactionStatus() === 'I';
      const hash = named ? textHash(text) : null;
      if (hash === null) return send(...args);
      return send({ name: `l4d2web_${connection}_${hash}`, text, values }).catch((error: unknown) => {
        if (!unnamable.has((error as { code?: string }).code ?? '')) throw error;
        texts.set(text as string, null);
        return send(text, values);
      });
    };
    this.query = query as typeof this.query;
  }
}
