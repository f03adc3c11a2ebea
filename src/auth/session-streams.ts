import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** One open stream and the session it was opened under. */
interface HeldStream {
  sessionId: string;
  userId: number;
  end: () => void;
}

/** Which sessions to end: some by id, or all of a user's (maybe but one, e.g. the one changing its password). */
export type SessionsToEnd = { sessionIds: readonly string[] } | { userId: number; except?: string };

export interface SessionStreamsOptions {
  /** How often the open streams' sessions are checked (default 2 s): a session ended elsewhere ends its streams within this. */
  checkMs?: number;
  log?: { warn(message: string): void };
}

/** Ids per query: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const IDS_PER_QUERY = 10_000;

/**
 * Ties open event streams to their sessions, so a stream ends with its session (hardening.md: within
 * 5 s). A session ends in one of two ways:
 * - here: logging out (and changing the password, disabling or deleting a user) goes through
 *   endSessions(), which deletes the rows and ends their streams at once;
 * - elsewhere: another panel on the same PostgreSQL database, expiry, a row deleted by hand. Every
 *   `checkMs`, ONE query asks which of all open streams' sessions still exist, and the streams of the
 *   others end. 1,000 open streams cost one indexed look-up every 2 s, not 1,000.
 */
export class SessionStreams {
  private readonly streams = new Set<HeldStream>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: SessionStreamsOptions = {},
  ) {}

  /**
   * Holds a stream of the request's session: end() is called once the session ends. Returns the
   * release, to call when the stream ends for another reason. A request without a session (none
   * reaches a stream today) holds nothing.
   */
  hold(request: FastifyRequest, end: () => void): () => void {
    if (!request.user || !request.sessionId) return () => {};
    const stream: HeldStream = { sessionId: request.sessionId, userId: request.user.id, end };
    this.streams.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.options.checkMs ?? 2_000);
      this.timer.unref();
    }
    return () => this.release(stream);
  }

  /** Deletes the sessions and ends their open streams on this panel now (other panels: by their check). */
  async endSessions(which: SessionsToEnd): Promise<void> {
    let query = this.db.deleteFrom('sessions');
    let ends: (stream: HeldStream) => boolean;
    if ('sessionIds' in which) {
      if (which.sessionIds.length === 0) return;
      const ids = new Set(which.sessionIds);
      query = query.where('id', 'in', [...ids]);
      ends = (stream) => ids.has(stream.sessionId);
    } else {
      const { userId, except } = which;
      query = query.where('user_id', '=', userId);
      if (except !== undefined) query = query.where('id', '!=', except);
      ends = (stream) => stream.userId === userId && stream.sessionId !== except;
    }
    await query.execute();
    for (const stream of [...this.streams]) if (ends(stream)) this.endStream(stream);
  }

  /** Ends the streams whose session is gone or expired: one query for all of them (per 10,000 sessions). */
  async check(now = new Date()): Promise<void> {
    if (this.checking || this.streams.size === 0) return;
    this.checking = true;
    try {
      // Only these are judged: a stream held while the query runs is checked next time.
      const asked = [...new Set([...this.streams].map((stream) => stream.sessionId))];
      const live = new Set<string>();
      for (let start = 0; start < asked.length; start += IDS_PER_QUERY) {
        const rows = await this.db
          .selectFrom('sessions')
          .select('id')
          .where('id', 'in', asked.slice(start, start + IDS_PER_QUERY))
          .where('expires_at', '>', now.toISOString())
          .execute();
        for (const row of rows) live.add(row.id);
      }
      const gone = new Set(asked.filter((id) => !live.has(id)));
      for (const stream of [...this.streams]) if (gone.has(stream.sessionId)) this.endStream(stream);
    } catch (error) {
      // The database is unreachable for now: streams stay open; the next check decides.
      this.options.log?.warn(`could not check the sessions of open streams: ${error}`);
    } finally {
      this.checking = false;
    }
  }

  /** How many streams are held. */
  get size(): number {
    return this.streams.size;
  }

  private endStream(stream: HeldStream): void {
    this.release(stream);
    stream.end();
  }

  private release(stream: HeldStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
