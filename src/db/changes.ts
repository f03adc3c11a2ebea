import type {
  Dialect,
  Driver,
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { Database } from './schema.js';

/**
 * Counts the writes this process makes to its database, so that what is kept from it (keptRead():
 * src/servers/access.ts, src/install/store.ts) can tell it may be out of date. The count goes up after every statement that is
 * not a SELECT has run, and after every commit (a transaction's rows are seen by others only then).
 * Writes by another process (another panel on the same PostgreSQL database, a script) are not seen:
 * whatever is kept must also grow old (`maxAgeMs`).
 */
export class DatabaseChanges {
  private count = 0;
  /** Reads kept at version `keptAt`, by key, with when they were read (ms). */
  private readonly kept = new Map<string, { at: number; value: unknown }>();
  private keptAt = 0;

  changed(): void {
    this.count++;
  }

  /**
   * What `read` gives, kept under `key` until the next write and for at most `maxAgeMs`. A read
   * during which a write happened is not kept (it may have seen either side). Callers must not
   * change what they get.
   */
  async read<Value>(key: string, maxAgeMs: number, read: () => Promise<Value>): Promise<Value> {
    if (this.keptAt !== this.count || this.kept.size >= MAX_KEPT) {
      this.kept.clear();
      this.keptAt = this.count;
    }
    const now = Date.now();
    const hit = this.kept.get(key);
    if (hit && now - hit.at < maxAgeMs) return hit.value as Value;
    const version = this.count;
    const value = await read();
    if (this.count === version && this.keptAt === version) this.kept.set(key, { at: now, value });
    return value;
  }
}

/** Reads kept at most, between two writes (users × servers looked up one by one, at worst). */
const MAX_KEPT = 10_000;

const readOnlyKinds = new Set<RootOperationNode['kind']>(['SelectQueryNode']);

/** A Kysely plugin that tells `changes` after each statement that may have written. */
export function changeTrackingPlugin(changes: DatabaseChanges): KyselyPlugin {
  const writes = new WeakSet<QueryId>();
  return {
    transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
      // Raw SQL may write too (only a plain SELECT is known not to).
      if (!readOnlyKinds.has(node.kind)) writes.add(queryId);
      return node;
    },
    async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (writes.has(queryId)) changes.changed();
      return result;
    },
  };
}

/** The dialect, its driver telling `changes` after every commit. */
export function trackCommits(dialect: Dialect, changes: DatabaseChanges): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: (): Driver => {
      const driver = dialect.createDriver();
      const commit = driver.commitTransaction.bind(driver);
      driver.commitTransaction = async (connection) => {
        await commit(connection);
        changes.changed();
      };
      return driver;
    },
  };
}

const changesByDatabase = new WeakMap<Kysely<Database>, DatabaseChanges>();

/** Registers the changes of a database opened by openDatabase(). */
export function trackChanges(db: Kysely<Database>, changes: DatabaseChanges): void {
  changesByDatabase.set(db, changes);
}

/**
 * A read of db kept until this process next writes to it, and for at most maxAgeMs (the bound on how
 * late a change by another process shows). Read afresh each time on a database openDatabase() did
 * not open, or in a transaction.
 */
export function keptRead<Value>(
  db: Kysely<Database>,
  key: string,
  read: () => Promise<Value>,
  maxAgeMs = KEPT_READ_MAX_AGE_MS,
): Promise<Value> {
  const changes = changesByDatabase.get(db);
  return changes ? changes.read(key, maxAgeMs, read) : read();
}

/** As long as an open stream may outlive a session ended on another panel (SessionStreams). */
export const KEPT_READ_MAX_AGE_MS = 2_000;
