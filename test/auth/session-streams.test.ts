import type { FastifyRequest } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStreams } from '../../src/auth/session-streams.js';
import { createSession, sessionIdFor, sessionLifetimeMs } from '../../src/auth/sessions.js';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  type OpenStream,
  openStream,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { waitFor } from '../helpers/supervisor.js';

/** Generous: the contract says 5 s (measured: ~0.1 s after a logout here, ≤ 2 s elsewhere); a loaded machine gets room. */
const endsWithin = { timeoutMs: 15_000, intervalMs: 20 };

const apps: TestApp[] = [];
const streams: OpenStream<unknown>[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  // The second app on a database is closed first; the first one drops its database.
  for (const app of apps.splice(0).reverse()) await app.close();
});

async function listeningApp(options: Parameters<typeof startTestApp>[0] = {}) {
  const app = await startTestApp({ ...options, env: { ALLOW_REGISTRATION: 'true', ...options.env } });
  apps.push(app);
  return { app, url: await app.app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** Opens a stream as the client; it is tied to the session once its headers came. */
async function openFor(client: Client, url: string) {
  const stream = openStream(url, client.cookieHeader);
  streams.push(stream);
  expect(await stream.ready).toBe(200);
  return stream;
}

const ended = (stream: OpenStream<unknown>) => waitFor(() => stream.isEnded, endsWithin);

describe.each(testDialects())('event streams end with their session (%s)', (dialect) => {
  it('logging out ends that session’s streams; other sessions’ streams stay open until theirs end', async () => {
    const { app, url } = await listeningApp({ dialect });
    const alice = await signUp(app.app, 'alice');
    const serverId = await createServer(alice, {
      name: 'alpha',
      port: 27015,
      blueprint_id: await createBlueprint(alice),
    });
    const aliceElsewhere = await logIn(app.app, 'alice');
    const bob = await signUp(app.app, 'bob');
    const carol = await signUp(app.app, 'carol');

    const dashboard = await openFor(alice, `${url}/events`);
    const serverPage = await openFor(alice, `${url}/servers/${serverId}/events`);
    const otherDevice = await openFor(aliceElsewhere, `${url}/servers/${serverId}/events`);
    const bobs = await openFor(bob, `${url}/events`);
    const carols = await openFor(carol, `${url}/events`);

    expect((await alice.post('/logout')).statusCode).toBe(204);
    await Promise.all([ended(dashboard), ended(serverPage)]);

    // A session that ends without this panel knowing (another panel, a row deleted by hand): its
    // stream ends at the next periodic check, the others' stay open.
    await app.database.db
      .deleteFrom('sessions')
      .where('id', '=', sessionIdFor(carol.cookies.get('l4d2web_session') as string))
      .execute();
    await ended(carols);
    // That check came after the logout: the streams of the sessions still there were kept.
    expect([otherDevice.isEnded, bobs.isEnded]).toEqual([false, false]);
  });

  it('a logout on another panel of the same database ends the stream on this one', async () => {
    const first = await listeningApp({ dialect });
    const second = await listeningApp({ dialect, databaseUrl: first.app.config.databaseUrl });
    const alice = await signUp(first.app.app, 'alice');
    const bob = await signUp(first.app.app, 'bob');
    // The same sessions, used on the second panel.
    const aliceThere = await openFor(alice, `${second.url}/events`);
    const bobThere = await openFor(bob, `${second.url}/events`);

    expect((await alice.post('/logout')).statusCode).toBe(204);
    await ended(aliceThere);
    expect(bobThere.isEnded).toBe(false);
  });
});

/** Counts the queries a Kysely instance runs. */
function countingQueries(): KyselyPlugin & { count: number } {
  const plugin = {
    count: 0,
    transformQuery: (args: Parameters<KyselyPlugin['transformQuery']>[0]) => {
      plugin.count += 1;
      return args.node;
    },
    transformResult: async (args: Parameters<KyselyPlugin['transformResult']>[0]) => args.result,
  };
  return plugin;
}

describe.each(testDialects())('SessionStreams (%s)', (dialect) => {
  let t: TestApp;
  let userIds: number[];
  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
    await signUp(t.app, 'alice');
    await signUp(t.app, 'bob');
    userIds = (await t.database.db.selectFrom('users').select('id').orderBy('id').execute()).map(
      (row) => row.id,
    );
  });
  afterEach(() => t.close());

  /** A signed-in request as the stream route sees it. */
  const requestOf = (userId: number, token: string) =>
    ({
      user: { id: userId, username: 'x', role: 'user' },
      sessionId: sessionIdFor(token),
      credential: { kind: 'session', sessionId: sessionIdFor(token) },
    }) as unknown as FastifyRequest;

  /** Holds a stream for a new session of the user; `ended` says whether it was ended. */
  async function heldStream(sessions: SessionStreams, userId: number, createdAt = new Date()) {
    const token = await createSession(t.database.db, userId, createdAt);
    const stream = { token, ended: false };
    sessions.hold(requestOf(userId, token), () => {
      stream.ended = true;
    });
    return stream;
  }

  it('endSessions by id ends those sessions’ streams at once, and deletes their rows', async () => {
    const sessions = new SessionStreams(t.database.db, { checkMs: 60_000 });
    const [alice = 0] = userIds;
    const [ending, staying] = [await heldStream(sessions, alice), await heldStream(sessions, alice)];
    await sessions.endSessions({ sessionIds: [sessionIdFor(ending.token)] });
    expect([ending.ended, staying.ended]).toEqual([true, false]);
    const left = await t.database.db.selectFrom('sessions').select('id').execute();
    expect(left.map((row) => row.id)).not.toContain(sessionIdFor(ending.token));
    expect(left.map((row) => row.id)).toContain(sessionIdFor(staying.token));
  });

  it('endSessions by user ends all of that user’s streams but the one kept, and deletes the rows', async () => {
    const sessions = new SessionStreams(t.database.db, { checkMs: 60_000 });
    const [alice = 0, bob = 0] = userIds;
    const [first, second, kept] = [
      await heldStream(sessions, alice),
      await heldStream(sessions, alice),
      await heldStream(sessions, alice),
    ];
    const bobs = await heldStream(sessions, bob);
    await sessions.endSessions({ userId: alice, except: sessionIdFor(kept.token) });
    expect([first.ended, second.ended, kept.ended, bobs.ended]).toEqual([true, true, false, false]);
    const left = await t.database.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', alice)
      .execute();
    expect(left.map((row) => row.id)).toContain(sessionIdFor(kept.token));
    expect(left.map((row) => row.id)).not.toContain(sessionIdFor(first.token));

    await sessions.endSessions({ userId: alice });
    expect([kept.ended, bobs.ended]).toEqual([true, false]);
    expect(sessions.size).toBe(1);
  });

  it('checks 1,000 open streams’ sessions in one query, ending the deleted and expired ones only', async () => {
    const counter = countingQueries();
    const sessions = new SessionStreams(t.database.db.withPlugin(counter), { checkMs: 60_000 });
    const [alice = 0, bob = 0] = userIds;
    const held = [];
    for (let i = 0; i < 500; i++) {
      const stream = await heldStream(sessions, i % 2 ? alice : bob);
      held.push(stream);
      // Two streams (a dashboard and a server page) per session.
      sessions.hold(requestOf(i % 2 ? alice : bob, stream.token), () => {});
    }
    const expired = await heldStream(sessions, bob, new Date(Date.now() - sessionLifetimeMs - 1_000));
    const gone = held.slice(0, 10);
    await t.database.db
      .deleteFrom('sessions')
      .where(
        'id',
        'in',
        gone.map((stream) => sessionIdFor(stream.token)),
      )
      .execute();
    expect(sessions.size).toBe(1_001);

    await sessions.check();
    expect(counter.count).toBe(1);
    expect(held.filter((stream) => stream.ended)).toEqual(gone);
    expect(expired.ended).toBe(true);
    expect(sessions.size).toBe(1_001 - 2 * gone.length - 1);
  });

  it('a stream held while a check runs is not judged by it', async () => {
    const sessions = new SessionStreams(t.database.db, { checkMs: 60_000 });
    const [alice = 0] = userIds;
    await heldStream(sessions, alice);
    const token = await createSession(t.database.db, alice);
    let ended = false;
    const checking = sessions.check();
    // Held after the check chose which sessions to ask about, before its answer.
    sessions.hold(requestOf(alice, token), () => {
      ended = true;
    });
    await checking;
    expect(ended).toBe(false);
    expect(sessions.size).toBe(2);
  });
});
