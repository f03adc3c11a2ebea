import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { liveTokenIds } from './tokens.js';

/** One open stream and what it was opened under: a session, or an API token. */
interface HeldStream {
  userId: number;
  sessionId: string | null;
  tokenId: number | null;
  end: () => void;
}

/**
 * Which sessions to end: some by id, or all of a user's (maybe but one, e.g. the one changing its
 * password). Ending a user's sessions ends every stream of theirs, those opened with a token too.
 */
export type SessionsToEnd = { sessionIds: readonly string[] } | { userId: number; except?: string };

/** Streams to end while their sessions stay: a revoked token's, or all of a user's (their rights changed). */
export type StreamsToEnd = { tokenId: number } | { userId: number };

export interface SessionStreamsOptions {
  /** How often the open streams' sessions are checked (default 2 s): a session ended elsewhere ends its streams within this. */
  checkMs?: number;
  log?: { warn(message: string): void };
}

/** Ids per query: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const IDS_PER_QUERY = 10_000;

/**
 * Ties open event streams to what signed them in, a session or an API token, so a stream ends with it
 * (hardening.md: within 5 s). A session ends in one of two ways:
 * - here: logging out, changing the password, disabling a user or resetting their password go through
 *   endSessions(), which deletes the rows and ends their streams at once (a user's token streams too);
 *   revoking a token and changing a role go through endStreams();
 * - elsewhere: another panel on the same PostgreSQL database, expiry, a row deleted by hand. Every
 *   `checkMs`, ONE query asks which of all open streams' sessions still exist (and one which of their
 *   tokens still sign someone in), and the streams of the others end. 1,000 open streams cost one
 *   indexed look-up every 2 s, not 1,000.
 * A cache of sessions (should one come) is to be emptied where endSessions() deletes.
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
   * Holds a stream of the request's session or token: end() is called once that ends. Returns the
   * release, to call when the stream ends for another reason. A request without either (none
   * reaches a stream today) holds nothing.
   */
  hold(request: FastifyRequest, end: () => void): () => void {
    const { user, credential } = request;
    if (!user || !credential) return () => {};
    const stream: HeldStream = {
      userId: user.id,
      sessionId: credential.kind === 'session' ? credential.sessionId : null,
      tokenId: credential.kind === 'token' ? credential.tokenId : null,
      end,
    };
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
      ends = (stream) => stream.sessionId !== null && ids.has(stream.sessionId);
    } else {
      const { userId, except } = which;
      query = query.where('user_id', '=', userId);
      if (except !== undefined) query = query.where('id', '!=', except);
      ends = (stream) => stream.userId === userId && stream.sessionId !== except;
    }
    await query.execute();
    this.endWhere(ends);
  }

  /** Ends streams now without ending sessions: a revoked token's, or a user's whose rights changed (they may reconnect). */
  endStreams(which: StreamsToEnd): void {
    if ('tokenId' in which) this.endWhere((stream) => stream.tokenId === which.tokenId);
    else this.endWhere((stream) => stream.userId === which.userId);
  }

  /**
   * Ends the streams whose session is gone or expired, or whose token no longer signs anyone in: one
   * query for all sessions (per 10,000) and one for all tokens.
   */
  async check(now = new Date()): Promise<void> {
    if (this.checking || this.streams.size === 0) return;
    this.checking = true;
    try {
      // Only these are judged: a stream held while the queries run is checked next time.
      const held = [...this.streams];
      const asked = [
        ...new Set(held.flatMap((stream) => (stream.sessionId === null ? [] : [stream.sessionId]))),
      ];
      const live = new Set<string>();
      for (let start = 0; start < asked.length; start += IDS_PER_QUERY) {
        const rows = await this.db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .select('sessions.id')
          .where('sessions.id', 'in', asked.slice(start, start + IDS_PER_QUERY))
          .where('sessions.expires_at', '>', now.toISOString())
          .where('users.disabled_at', 'is', null)
          .execute();
        for (const row of rows) live.add(row.id);
      }
      const tokens = [
        ...new Set(held.flatMap((stream) => (stream.tokenId === null ? [] : [stream.tokenId]))),
      ];
      const liveTokens = await liveTokenIds(this.db, tokens, now);
      const gone = new Set(
        held.filter((stream) =>
          stream.sessionId !== null ? !live.has(stream.sessionId) : !liveTokens.has(stream.tokenId ?? 0),
        ),
      );
      this.endWhere((stream) => gone.has(stream));
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

  private endWhere(ends: (stream: HeldStream) => boolean): void {
    for (const stream of [...this.streams]) if (ends(stream)) this.endStream(stream);
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
