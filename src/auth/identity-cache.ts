import type { TokenScope } from '../db/schema.js';
import type { SessionUser } from './sessions.js';

/** What a session or token signed in, as read from the database, and until when that may be reused. */
interface Entry<Value> {
  value: Value;
  userId: number;
  /** When the session or token itself expires (ms), or null (a token without an expiry). */
  expiresAt: number | null;
  /** Past this (ms), read the database again. */
  freshUntil: number;
}

/** A token's holder as identify() needs it. */
export interface CachedToken {
  user: SessionUser;
  tokenId: number;
  scope: TokenScope;
}

export interface IdentityCacheOptions {
  /**
   * How long an entry is reused without asking the database (default 2 s, as long as an open stream
   * may outlive a session ended elsewhere): the bound on how late this panel learns of a change made
   * by another panel on the same PostgreSQL database. Changes made on this panel forget at once.
   */
  ttlMs?: number;
  /** Entries kept at most, sessions and tokens each (default 10,000); past it the oldest go. */
  maxEntries?: number;
}

/**
 * Who a session or an API token signs in, kept for a moment so that a request does not cost a
 * database look-up. Whatever ends or changes a sign-in on this panel forgets it at once, before it
 * answers: logging out, a password change or reset, disabling a user (SessionStreams.endSessions),
 * revoking a token, a change of role (SessionStreams.endStreams). The expiry stored with each is
 * checked on every use.
 */
export class IdentityCache {
  private readonly sessions = new Map<string, Entry<SessionUser>>();
  private readonly tokens = new Map<string, Entry<CachedToken>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /**
   * Counts what was forgotten. A look-up that started before a forget may have read what the forget
   * ends (a logout deleting the row meanwhile): it is then not remembered (see `remember`).
   */
  private forgets = 0;

  constructor(options: IdentityCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Take this before reading the database; pass it to remember…() with what was read. */
  get generation(): number {
    return this.forgets;
  }

  /** The session's user if known and fresh; undefined: ask the database. */
  session(sessionId: string, now: Date): SessionUser | undefined {
    return this.fresh(this.sessions, sessionId, now);
  }

  rememberSession(
    sessionId: string,
    user: SessionUser,
    expiresAt: string,
    now: Date,
    generation: number,
  ): void {
    if (generation !== this.forgets) return;
    this.remember(this.sessions, sessionId, user, user.id, Date.parse(expiresAt), now);
  }

  /** The holder of the token (by its hash) if known and fresh; undefined: ask the database. */
  token(hash: string, now: Date): CachedToken | undefined {
    return this.fresh(this.tokens, hash, now);
  }

  rememberToken(
    hash: string,
    holder: CachedToken,
    expiresAt: string | null,
    now: Date,
    generation: number,
  ): void {
    if (generation !== this.forgets) return;
    this.remember(
      this.tokens,
      hash,
      holder,
      holder.user.id,
      expiresAt === null ? null : Date.parse(expiresAt),
      now,
    );
  }

  forgetSessions(sessionIds: readonly string[]): void {
    this.forgets++;
    for (const id of sessionIds) this.sessions.delete(id);
  }

  /** Everything of the user (role changed, disabled, signed out everywhere), maybe but one session. */
  forgetUser(userId: number, exceptSession?: string): void {
    this.forgets++;
    for (const [id, entry] of this.sessions) {
      if (entry.userId === userId && id !== exceptSession) this.sessions.delete(id);
    }
    for (const [hash, entry] of this.tokens) if (entry.userId === userId) this.tokens.delete(hash);
  }

  forgetToken(tokenId: number): void {
    this.forgets++;
    for (const [hash, entry] of this.tokens) if (entry.value.tokenId === tokenId) this.tokens.delete(hash);
  }

  private fresh<Value>(entries: Map<string, Entry<Value>>, key: string, now: Date): Value | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    const time = now.getTime();
    if (time >= entry.freshUntil || (entry.expiresAt !== null && time >= entry.expiresAt)) {
      entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private remember<Value>(
    entries: Map<string, Entry<Value>>,
    key: string,
    value: Value,
    userId: number,
    expiresAt: number | null,
    now: Date,
  ): void {
    if (entries.size >= this.maxEntries) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.delete(key);
    entries.set(key, { value, userId, expiresAt, freshUntil: now.getTime() + this.ttlMs });
  }
}
