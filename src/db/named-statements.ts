import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL parses, analyses and plans an unnamed statement anew every time it runs: under the
 * bench's create-and-delete load that was over a third of the server's CPU (perf). A statement sent
 * under a name is parsed and planned once per connection, and then only bound and run.
 *
 * Which statements: the hot ones, whose SQL `preparedQuery` (src/db/prepared.ts) compiled once and
 * registered here: a fixed set, so the plans each connection keeps cannot grow without end. And only
 * outside a transaction (Kysely waits for each statement, so the status read when one is asked for
 * is the one it runs in), so that a retry below undoes nothing else.
 *
 * Where a name cannot work, the statement runs again unnamed and its text is never named again. It
 * failed before running, so it wrote nothing:
 * - 0A000 from RevalidateCachedQuery, "cached plan must not change result type": a `select *`
 *   named before a migration changed its table (another panel, or a test, migrating the database
 *   under this pool);
 * - 26000 (no such statement) and 42P05 (it exists already): a pooler between us and PostgreSQL
 *   (PgBouncer in transaction mode) that hands us another server connection than the one it was
 *   named on.
 */
const registered = new Map<string, string | null>();

/** Marks a statement's SQL as worth naming (done by preparedQuery when it compiles one). */
export function nameStatement(text: string): void {
  // The name says which text it stands for, so that behind a pooler a server connection that holds
  // the name already (from another client or panel) holds the same statement, never another.
  if (!registered.has(text))
    registered.set(text, createHash('sha256').update(text).digest('hex').slice(0, 24));
}

function cannotBeNamed(error: unknown): boolean {
  const { code, routine } = error as { code?: string; routine?: string };
  return code === '26000' || code === '42P05' || (code === '0A000' && routine === 'RevalidateCachedQuery');
}

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
      const hash =
        args.length === 2 && typeof text === 'string' && this.getTransactionStatus() === 'I'
          ? registered.get(text)
          : undefined;
      if (!hash) return send(...args);
      return send({ name: `l4d2web_${connection}_${hash}`, text, values }).catch((error: unknown) => {
        if (!cannotBeNamed(error)) throw error;
        registered.set(text as string, null);
        return send(text, values);
      });
    };
    this.query = query as typeof this.query;
  }
}
