import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSession,
  deleteExpiredSessions,
  sessionLifetimeMs,
  userForSession,
} from '../../src/auth/sessions.js';
import { signUp, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('expired sessions (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(() => t.close());

  it('no longer sign anyone in, and are deleted by the sweep while live ones stay', async () => {
    await signUp(t.app, 'alice');
    const { db } = t.database;
    const { id: userId } = await db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const longAgo = new Date(Date.now() - sessionLifetimeMs - 60_000);
    const expired = await createSession(db, userId, longAgo);
    expect(await userForSession(db, expired)).toBeNull();

    await deleteExpiredSessions(db);
    const left = await db.selectFrom('sessions').select('expires_at').execute();
    expect(left).toHaveLength(1);
    expect(left.every((session) => session.expires_at > new Date().toISOString())).toBe(true);
  });
});
