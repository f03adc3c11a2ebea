import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  createApiToken,
  logIn,
  type OpenStream,
  openStream,
  password,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
  tokenClient,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { waitFor } from '../helpers/supervisor.js';

/** The contract's 5 s, with room for a loaded machine (here the streams end at once; elsewhere within 2 s). */
const endsWithin = { timeoutMs: 15_000, intervalMs: 20 };
const ended = (stream: OpenStream<unknown>) => waitFor(() => stream.isEnded, endsWithin);

describe.each(testDialects())('the admin’s users (%s)', (dialect) => {
  const apps: TestApp[] = [];
  const streams: OpenStream<unknown>[] = [];
  let t: TestApp;
  let baseUrl: string;
  let admin: Client;
  let ids: Record<string, number>;

  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
    apps.push(t);
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await signUp(t.app, 'alice');
    await signUp(t.app, 'bob');
    await signUp(t.app, 'carol');
    const rows = await t.database.db.selectFrom('users').select(['id', 'username']).execute();
    ids = Object.fromEntries(rows.map((row) => [row.username, row.id]));
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    for (const app of apps.splice(0).reverse()) await app.close();
  });

  const open = (url: string, credentials: string | Record<string, string>) => {
    const stream = openStream(url, credentials);
    streams.push(stream);
    return stream;
  };

  it('is for admins only: everyone else gets 404 and changes nothing', async () => {
    const bob = await logIn(t.app, 'bob');
    const before = await snapshot(t.database);
    for (const [method, url, body] of [
      ['GET', '/users', undefined],
      ['POST', '/users', { username: 'mallory', password }],
      ['PATCH', `/users/${ids.alice}`, { disabled: true }],
      ['POST', `/users/${ids.alice}`, { role: 'user' }],
      ['POST', `/users/${ids.alice}/password`, undefined],
    ] as const) {
      const response = await bob.request(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json()).toEqual({ error: 'page not found' });
    }
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('lists accounts with their role, status and two-factor, and creates users and admins', async () => {
    expect((await admin.get('/users')).json().users).toEqual([
      expect.objectContaining({
        id: ids.alice,
        username: 'alice',
        role: 'admin',
        disabled: false,
        totp_enabled: false,
      }),
      expect.objectContaining({ username: 'bob', role: 'user' }),
      expect.objectContaining({ username: 'carol', role: 'user' }),
    ]);
    const made = await admin.post('/users', { username: 'dave', password });
    expect(made.statusCode).toBe(201);
    const madeAdmin = await admin.post('/users', { username: 'erin', password, role: 'admin' });
    expect(madeAdmin.statusCode).toBe(201);
    const roles = await t.database.db
      .selectFrom('users')
      .select(['username', 'role'])
      .where('username', 'in', ['dave', 'erin'])
      .orderBy('username')
      .execute();
    expect(roles).toEqual([
      { username: 'dave', role: 'user' },
      { username: 'erin', role: 'admin' },
    ]);
    await logIn(t.app, 'dave');
    const before = await snapshot(t.database);
    expect((await admin.post('/users', { username: 'dave', password })).json()).toEqual({
      error: 'username already taken',
    });
    const bad = await admin.post('/users', { username: 'x', password, role: 'root' });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fields).sort()).toEqual(['role', 'username']);
    expect(await snapshot(t.database)).toEqual(before);
    const browser = await logIn(t.app, 'alice', 'form');
    const form = await browser.post('/users', { username: 'frank', password, role: 'user' });
    expect(form.statusCode).toBe(302);
    expect((await browser.get('/users')).body).toContain('Account frank created.');
  });

  it('disabling a user ends their sessions and streams at once and refuses their token; enabling lets them back', async () => {
    const bob = await logIn(t.app, 'bob');
    const token = await createApiToken(bob, 'read');
    const byCookie = open(`${baseUrl}/events`, bob.cookieHeader);
    const byToken = open(`${baseUrl}/events`, { authorization: `Bearer ${token}` });
    expect([await byCookie.ready, await byToken.ready]).toEqual([200, 200]);
    // Another panel on the same database: its streams end at its next check of sessions and tokens.
    const second = await startTestApp({ dialect, databaseUrl: t.config.databaseUrl });
    apps.push(second);
    const secondUrl = await second.app.listen({ port: 0, host: '127.0.0.1' });
    const elsewhere = open(`${secondUrl}/events`, { authorization: `Bearer ${token}` });
    const elsewhereByCookie = open(`${secondUrl}/events`, bob.cookieHeader);
    expect([await elsewhere.ready, await elsewhereByCookie.ready]).toEqual([200, 200]);

    const disabled = await admin.patch(`/users/${ids.bob}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ username: 'bob', disabled: true });
    await Promise.all([ended(byCookie), ended(byToken), ended(elsewhere), ended(elsewhereByCookie)]);
    expect(
      await t.database.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', ids.bob ?? 0)
        .execute(),
    ).toEqual([]);
    expect((await bob.get('/servers')).json()).toEqual({ error: 'login required' });
    const refused = await tokenClient(t.app, token).get('/servers');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ error: 'invalid token' });
    const login = await new Client(t.app, 'json').post('/login', { username: 'bob', password });
    expect(login.statusCode).toBe(403);
    expect(login.json()).toEqual({ error: 'this account is disabled' });

    const enabled = await admin.post(`/users/${ids.bob}`, { disabled: false });
    expect(enabled.json()).toMatchObject({ disabled: false });
    expect((await tokenClient(t.app, token).get('/servers')).statusCode).toBe(200);
    await logIn(t.app, 'bob');
  });

  it('the last admin who may sign in can be neither disabled nor demoted (409); a disabled admin does not count', async () => {
    const before = await snapshot(t.database);
    const disable = await admin.patch(`/users/${ids.alice}`, { disabled: true });
    expect(disable.statusCode).toBe(409);
    expect(disable.json()).toEqual({ error: 'cannot disable the last admin' });
    const demote = await admin.patch(`/users/${ids.alice}`, { role: 'user' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json()).toEqual({ error: 'cannot demote the last admin' });
    expect(await snapshot(t.database)).toEqual(before);

    expect((await admin.patch(`/users/${ids.carol}`, { role: 'admin' })).json()).toMatchObject({
      role: 'admin',
    });
    expect((await admin.patch(`/users/${ids.carol}`, { disabled: true })).statusCode).toBe(200);
    expect((await admin.patch(`/users/${ids.alice}`, { role: 'user' })).statusCode).toBe(409);
    expect((await admin.patch(`/users/${ids.carol}`, { disabled: false })).statusCode).toBe(200);
    // Now there are two: one may go.
    expect((await admin.patch(`/users/${ids.alice}`, { role: 'user' })).json()).toMatchObject({
      role: 'user',
    });
    expect((await admin.get('/users')).statusCode).toBe(404);
  });

  it('two admins disabling each other at once: one wins, the other gets 409', async () => {
    await admin.patch(`/users/${ids.carol}`, { role: 'admin' });
    const carol = await logIn(t.app, 'carol');
    const answers = await Promise.all([
      admin.patch(`/users/${ids.carol}`, { disabled: true }),
      carol.patch(`/users/${ids.alice}`, { disabled: true }),
    ]);
    // The loser is refused by the rule (409), or finds itself signed out by the winner first (401).
    const [first, second] = answers.map((answer) => answer.statusCode).sort();
    expect(first).toBe(200);
    expect([401, 409]).toContain(second);
    const admins = await t.database.db
      .selectFrom('users')
      .select('username')
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .execute();
    expect(admins).toHaveLength(1);
  });

  it('a change of role ends the user’s streams, which reconnect with the new rights', async () => {
    const bob = await logIn(t.app, 'bob');
    const stream = open(`${baseUrl}/events`, bob.cookieHeader);
    expect(await stream.ready).toBe(200);
    expect((await admin.patch(`/users/${ids.bob}`, { role: 'admin' })).statusCode).toBe(200);
    await ended(stream);
    expect((await bob.get('/users')).statusCode).toBe(200);
  });

  it('resets a password: shown once, the user’s sessions end, the new one signs in', async () => {
    const bob = await logIn(t.app, 'bob');
    const stream = open(`${baseUrl}/events`, bob.cookieHeader);
    expect(await stream.ready).toBe(200);
    const reset = await admin.post(`/users/${ids.bob}/password`);
    expect(reset.statusCode).toBe(200);
    expect(reset.headers['cache-control']).toBe('no-store');
    const { password: fresh } = reset.json();
    expect(fresh).toMatch(/^[\w-]{16}$/);
    await ended(stream);
    expect((await bob.get('/servers')).statusCode).toBe(401);
    expect((await new Client(t.app, 'json').post('/login', { username: 'bob', password })).statusCode).toBe(
      401,
    );
    expect(
      (await new Client(t.app, 'json').post('/login', { username: 'bob', password: fresh })).statusCode,
    ).toBe(200);
    expect((await admin.get('/users')).body).not.toContain(fresh);

    const browser = await logIn(t.app, 'alice', 'form');
    const page = await browser.post(`/users/${ids.carol}/password`, {});
    expect(page.statusCode).toBe(200);
    const shown = /<pre data-new-password[^>]*>([^<]+)<\/pre>/.exec(page.body)?.[1] ?? '';
    expect(
      (await new Client(t.app, 'json').post('/login', { username: 'carol', password: shown })).statusCode,
    ).toBe(200);
    expect((await browser.get('/users')).body).not.toContain(shown);
    expect((await admin.post('/users/999/password')).json()).toEqual({ error: 'user not found' });
  });

  it('refuses bad changes with 400 naming the field, and an unknown user with 404', async () => {
    const before = await snapshot(t.database);
    for (const [body, field] of [
      [{ disabled: 'yes' }, 'disabled'],
      [{ role: 'root' }, 'role'],
      [{ password: 'x' }, 'password'],
    ] as const) {
      const response = await admin.patch(`/users/${ids.bob}`, body);
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json().fields)).toEqual([field]);
    }
    expect((await admin.patch('/users/999', { disabled: true })).json()).toEqual({ error: 'user not found' });
    expect((await admin.patch('/users/abc', { disabled: true })).statusCode).toBe(404);
    expect(await snapshot(t.database)).toEqual(before);
  });
});

describe.each(testDialects())('changing one’s password (%s)', (dialect) => {
  let t: TestApp;
  let baseUrl: string;
  const streams: OpenStream<unknown>[] = [];
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await t.close();
  });

  it('204; every other session and stream of the user ends; this one stays; the new password signs in', async () => {
    const here = await signUp(t.app, 'alice');
    const there = await logIn(t.app, 'alice');
    const token = await createApiToken(here, 'read');
    const hereStream = openStream(`${baseUrl}/events`, here.cookieHeader);
    const thereStream = openStream(`${baseUrl}/events`, there.cookieHeader);
    const tokenStream = openStream(`${baseUrl}/events`, { authorization: `Bearer ${token}` });
    streams.push(hereStream, thereStream, tokenStream);
    expect([await hereStream.ready, await thereStream.ready, await tokenStream.ready]).toEqual([
      200, 200, 200,
    ]);

    const changed = await here.post('/account/password', {
      current_password: password,
      new_password: 'a new password',
    });
    expect(changed.statusCode).toBe(204);
    await Promise.all([ended(thereStream), ended(tokenStream)]);
    expect(hereStream.isEnded).toBe(false);
    expect((await there.get('/servers')).statusCode).toBe(401);
    expect((await here.get('/servers')).statusCode).toBe(200);
    // The token was made on purpose and is listed on the account page: it stays (revoke it there).
    expect((await tokenClient(t.app, token).get('/servers')).statusCode).toBe(200);
    expect((await new Client(t.app, 'json').post('/login', { username: 'alice', password })).statusCode).toBe(
      401,
    );
    expect(
      (await new Client(t.app, 'json').post('/login', { username: 'alice', password: 'a new password' }))
        .statusCode,
    ).toBe(200);
  });

  it('401 for a wrong current password (counted as a failed login), 400 for a bad new one; nothing changes', async () => {
    const alice = await signUp(t.app, 'alice');
    const before = await snapshot(t.database);
    const wrong = await alice.post('/account/password', {
      current_password: 'not it',
      new_password: 'a new password',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({
      error: 'current password is wrong',
      fields: { current_password: 'is wrong' },
    });
    const short = await alice.post('/account/password', {
      current_password: password,
      new_password: 'short',
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().fields).toEqual({ new_password: 'must be at least 8 characters' });
    const missing = await alice.post('/account/password', { new_password: 'a new password' });
    expect(missing.json().fields).toEqual({ current_password: 'is required' });
    expect(await snapshot(t.database)).toEqual(before);
    for (let i = 0; i < 4; i++)
      await alice.post('/account/password', { current_password: 'guess', new_password: 'a new password' });
    const limited = await alice.post('/account/password', {
      current_password: password,
      new_password: 'a new password',
    });
    expect(limited.statusCode).toBe(429);
  });

  it('from the account page: 302 back with a notice; a wrong password shows the page again with the message', async () => {
    await signUp(t.app, 'alice');
    const browser = await logIn(t.app, 'alice', 'form');
    const wrong = await browser.post('/account/password', {
      current_password: 'nope',
      new_password: 'a new password',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('current password is wrong');
    expect(wrong.body).toContain('id="password-heading"');
    const done = await browser.post('/account/password', {
      current_password: password,
      new_password: 'a new password',
    });
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe('/account');
    expect((await browser.get('/account')).body).toContain('Password changed.');
  });
});
