import type { Kysely } from 'kysely';
import { type Placeholders, type PreparedQuery, preparedQuery } from '../db/prepared.js';
import type { Database } from '../db/schema.js';
import { scrubDetail } from './detail.js';

/** Who did it (a signed-in user). */
export interface Actor {
  id: number;
  username: string;
}

/** What an audit entry names as its subject. */
export const targetTypes = [
  'user',
  'blueprint',
  'server',
  'token',
  'schedule',
  'webhook',
  'install',
  'addon',
] as const;
export type TargetType = (typeof targetTypes)[number];

/** One entry as the JSON API shows it. */
export interface AuditEntry {
  id: number;
  at: string;
  user_id: number | null;
  username: string;
  ip: string;
  action: string;
  target_type: TargetType | null;
  target_id: number | null;
  detail: Record<string, unknown>;
}

/** What is recorded: who (maybe nobody, e.g. a failed sign-in), from where, did what, to what. */
export interface NewAuditEntry {
  user: Actor | null;
  /** The name someone tried to sign in with, when there is no user. */
  username?: string;
  ip: string;
  action: string;
  targetType?: TargetType | null;
  targetId?: number | null;
  detail?: Record<string, unknown>;
}

type AuditRow = Omit<AuditEntry, 'id' | 'detail'> & { detail: string };

const auditColumns = [
  'at',
  'user_id',
  'username',
  'ip',
  'action',
  'target_type',
  'target_id',
  'detail',
] as const satisfies readonly (keyof AuditRow)[];

/**
 * An insert of n entries, compiled once per n (src/db/prepared.ts; MAX_BATCH at most). Its values
 * are named `<row>.<column>`.
 */
const inserts = new Map<number, PreparedQuery<Record<string, unknown>, unknown>>();

function insertRows(db: Kysely<Database>, rows: AuditRow[]): Promise<unknown> {
  let insert = inserts.get(rows.length);
  if (!insert) {
    const size = rows.length;
    insert = preparedQuery((kysely, p: Placeholders<Record<string, unknown>>) =>
      kysely
        .insertInto('audit_log')
        .values(
          Array.from(
            { length: size },
            (_, row) =>
              Object.fromEntries(auditColumns.map((column) => [column, p[`${row}.${column}`]])) as AuditRow,
          ),
        ),
    );
    inserts.set(size, insert);
  }
  const values = rows.flatMap((row, index) =>
    auditColumns.map((column) => [`${index}.${column}`, row[column]]),
  );
  return insert.run(db, Object.fromEntries(values));
}

/** Entries on their way to one database, and each one's outcome once written (null: written). */
interface Batch {
  rows: AuditRow[];
  outcomes: Promise<Array<Error | null>>;
}

/** The batch still taking entries, per database. */
const open = new WeakMap<Kysely<Database>, Batch>();
/** The last batch's write, per database: the next waits for it, so ids follow the order of recording. */
const lastWrite = new WeakMap<Kysely<Database>, Promise<unknown>>();
/** Rows per insert at most (8 parameters each). */
const MAX_BATCH = 100;

function batchFor(db: Kysely<Database>): Batch {
  const current = open.get(db);
  if (current && current.rows.length < MAX_BATCH) return current;
  const rows: AuditRow[] = [];
  const turnEnds = new Promise((resolve) => setImmediate(resolve));
  const outcomes = Promise.all([lastWrite.get(db), turnEnds]).then(() => {
    if (open.get(db) === batch) open.delete(db);
    return writeRows(db, rows);
  });
  const batch: Batch = { rows, outcomes };
  open.set(db, batch);
  lastWrite.set(db, outcomes);
  return batch;
}

async function writeRows(db: Kysely<Database>, rows: AuditRow[]): Promise<Array<Error | null>> {
  try {
    await insertRows(db, rows);
    return rows.map(() => null);
  } catch {
    // One entry the database refuses must not cost the others theirs: each on its own, in order.
    const outcomes: Array<Error | null> = [];
    for (const row of rows) {
      const refused = await insertRows(db, [row]).then(
        () => null,
        (error: unknown) => error as Error,
      );
      outcomes.push(refused);
    }
    return outcomes;
  }
}

/**
 * Appends an entry; its detail is scrubbed of secrets first (detail.ts). Entries of requests that
 * finish in the same turn of the event loop go in one insert (one commit, one round trip), and each
 * caller resolves only once its own entry is written (or rejects with why it was not).
 */
export async function recordAudit(
  db: Kysely<Database>,
  entry: NewAuditEntry,
  now = new Date(),
): Promise<void> {
  const batch = batchFor(db);
  const index =
    batch.rows.push({
      at: now.toISOString(),
      user_id: entry.user?.id ?? null,
      username: (entry.user?.username ?? entry.username ?? '').slice(0, 64),
      ip: entry.ip.slice(0, 64),
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      detail: JSON.stringify(scrubDetail(entry.detail ?? {})),
    }) - 1;
  const error = (await batch.outcomes)[index];
  if (error) throw error;
}

/** GET /audit's filters (input.ts parses them). */
export interface AuditFilter {
  /** A user id (digits) or a username. */
  user?: string;
  /** An action (`server.start`), or a family: `server` or `server.*`. */
  action?: string;
  server?: number;
  /** Entries older than this: an entry id (the `next_before` of the previous page) or an ISO time. */
  before?: { id: number } | { at: string };
  limit: number;
}

/** One page of entries, newest first, and the cursor of the next page (null on the last). */
export async function listAudit(
  db: Kysely<Database>,
  viewer: { id: number; role: string },
  filter: AuditFilter,
): Promise<{ entries: AuditEntry[]; next_before: number | null }> {
  const { user, action, server, before, limit } = filter;
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    // Admins see every entry; others only their own.
    .$if(viewer.role !== 'admin', (query) => query.where('user_id', '=', viewer.id))
    .$if(user !== undefined, (query) =>
      query.where((eb) =>
        /^\d{1,9}$/.test(user ?? '')
          ? eb.or([eb('user_id', '=', Number(user)), eb('username', '=', user ?? '')])
          : eb('username', '=', user ?? ''),
      ),
    )
    .$if(action !== undefined, (query) => {
      const family = action?.replace(/\.\*$/, '') ?? '';
      return family.includes('.')
        ? query.where('action', '=', family)
        : // A family is letters only (input.ts), so nothing in it is a LIKE wildcard.
          query.where('action', 'like', `${family}.%`);
    })
    .$if(server !== undefined, (query) =>
      query.where('target_type', '=', 'server').where('target_id', '=', server ?? 0),
    )
    .$if(before !== undefined && 'id' in before, (query) =>
      query.where('id', '<', (before as { id: number }).id),
    )
    .$if(before !== undefined && 'at' in before, (query) =>
      query.where('at', '<', (before as { at: string }).at),
    )
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    entries: page.map((row) => ({
      ...row,
      target_type: row.target_type as TargetType | null,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
    })),
    next_before: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Deletes entries older than the retention (0: keeps them all). */
export async function deleteOldAudit(db: Kysely<Database>, retentionDays: number, now = new Date()) {
  if (retentionDays <= 0) return;
  const cutoff = new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000).toISOString();
  await db.deleteFrom('audit_log').where('at', '<', cutoff).execute();
}
