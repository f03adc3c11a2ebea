/**
 * The caches of issue 15 (who a session or token is, the visible servers, the dashboard's cards and
 * the servers table's rows) never show what a change on this panel has just replaced: each test
 * reads (so the cache holds it), changes, and reads again at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Client,
  createApiToken,
  createBlueprint,
  createServer,
  logIn,
  signUp,
  startTestApp,
  type TestApp,
  tokenClient,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('no stale cache (%s)', (dialect) => {
  let t: TestApp;
  let admin: Client;
  let owner: Client;
  let member: Client;
  let ids: Record<string, number>;
  let serverId: number;

  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
    admin = await signUp(t.app, 'admin');
    owner = await signUp(t.app, 'owner');
    member = await signUp(t.app, 'member');
    const rows = await t.database.db.selectFrom('users').select(['id', 'username']).execute();
    ids = Object.fromEntries(rows.map((row) => [row.username, row.id]));
    const blueprint = await createBlueprint(owner);
    serverId = await createServer(owner, { name: 'Alpha', port: 27015, blueprint_id: blueprint });
  });
  afterEach(() => t.close());

  const html = (client: Client, url: string) =>
    client.request('GET', url, undefined, { accept: 'text/html' });

  it('a renamed server shows its new name at once: JSON, the server, the servers page, the dashboard', async () => {
    // Twice each, so the second answer came from what was kept.
    for (let i = 0; i < 2; i++) {
      expect((await owner.get('/servers')).json().servers[0].name).toBe('Alpha');
      expect((await owner.get(`/servers/${serverId}`)).json().name).toBe('Alpha');
      expect((await html(owner, '/')).body).toContain('>Alpha</a>');
      expect((await html(owner, '/servers')).body).toContain('>Alpha</a>');
    }
    expect((await owner.patch(`/servers/${serverId}`, { name: 'Bravo' })).statusCode).toBe(200);
    expect((await owner.get('/servers')).json().servers[0].name).toBe('Bravo');
    expect((await owner.get(`/servers/${serverId}`)).json().name).toBe('Bravo');
    for (const url of ['/', '/servers']) {
      const page = (await html(owner, url)).body;
      expect(page).toContain('>Bravo</a>');
      expect(page).not.toContain('Alpha');
    }
  });

  it('a state the supervisor records shows at once on the pages and in JSON', async () => {
    await html(owner, '/');
    await html(owner, '/servers');
    await owner.get('/servers');
    // What the supervisor's reconcile does: write the row through the panel's database.
    await t.database.db
      .updateTable('servers')
      .set({ actual_state: 'failed', last_error: 'it broke' })
      .where('id', '=', serverId)
      .execute();
    expect((await owner.get('/servers')).json().servers[0]).toMatchObject({
      actual_state: 'failed',
      last_error: 'it broke',
    });
    for (const url of ['/', '/servers']) {
      const page = (await html(owner, url)).body;
      expect(page).toContain('state-failed');
      expect(page).toContain('it broke');
    }
  });

  it('a removed member stops seeing the server at once, in JSON and on the pages', async () => {
    expect(
      (await owner.post(`/servers/${serverId}/members`, { username: 'member', permissions: ['control'] }))
        .statusCode,
    ).toBe(201);
    for (let i = 0; i < 2; i++) {
      expect((await member.get('/servers')).json().servers).toHaveLength(1);
      expect((await member.get(`/servers/${serverId}`)).statusCode).toBe(200);
      expect((await html(member, '/')).body).toContain('>Alpha</a>');
    }
    expect((await owner.delete(`/servers/${serverId}/members/${ids.member}`)).statusCode).toBe(204);
    expect((await member.get('/servers')).json().servers).toEqual([]);
    expect((await member.get(`/servers/${serverId}`)).json()).toEqual({ error: 'server not found' });
    expect((await html(member, '/')).body).not.toContain('Alpha');
    expect((await html(member, '/servers')).body).not.toContain('Alpha');
  });

  it("a member whose permissions change sees the card's buttons change at once", async () => {
    await owner.post(`/servers/${serverId}/members`, { username: 'member', permissions: ['control'] });
    expect((await html(member, '/')).body).toContain(`action="/servers/${serverId}/start"`);
    await owner.post(`/servers/${serverId}/members/${ids.member}`, { permissions: [] });
    expect((await html(member, '/')).body).not.toContain(`action="/servers/${serverId}/start"`);
    expect((await member.post(`/servers/${serverId}/start`)).statusCode).toBe(403);
  });

  it('a logged-out session is refused at once', async () => {
    expect((await owner.get('/servers')).statusCode).toBe(200);
    const cookie = owner.cookieHeader;
    expect((await owner.post('/logout')).statusCode).toBe(204);
    const again = await t.app.inject({
      method: 'GET',
      url: '/servers',
      headers: { cookie, accept: 'application/json' },
    });
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual({ error: 'login required' });
  });

  it("a password change signs the user's other sessions out at once, the changing one stays", async () => {
    const other = await logIn(t.app, 'owner');
    expect((await other.get('/servers')).statusCode).toBe(200);
    const changed = await owner.post('/account/password', {
      current_password: 'correct horse battery',
      new_password: 'a new horse battery staple',
    });
    expect(changed.statusCode).toBe(204);
    expect((await other.get('/servers')).statusCode).toBe(401);
    expect((await owner.get('/servers')).statusCode).toBe(200);
  });

  it('a disabled user is refused at once, by session and by token', async () => {
    const token = tokenClient(t.app, await createApiToken(owner, 'read'));
    expect((await owner.get('/servers')).statusCode).toBe(200);
    expect((await token.get('/servers')).statusCode).toBe(200);
    expect((await admin.patch(`/users/${ids.owner}`, { disabled: true })).statusCode).toBe(200);
    expect((await owner.get('/servers')).statusCode).toBe(401);
    expect((await token.get('/servers')).json()).toEqual({ error: 'invalid token' });
  });

  it('a revoked token is refused at once', async () => {
    const secret = await createApiToken(owner, 'write');
    const token = tokenClient(t.app, secret);
    expect((await token.get('/servers')).statusCode).toBe(200);
    const { id } = await t.database.db.selectFrom('api_tokens').select('id').executeTakeFirstOrThrow();
    expect((await owner.delete(`/account/tokens/${id}`)).statusCode).toBe(204);
    const refused = await token.get('/servers');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ error: 'invalid token' });
  });

  it("a demoted admin loses the admin's view at once (their role is kept with the session)", async () => {
    const second = await signUp(t.app, 'second');
    expect(
      (await admin.patch(`/users/${ids.second ?? (await idOf('second'))}`, { role: 'admin' })).statusCode,
    ).toBe(200);
    expect((await second.get('/servers')).json().servers).toHaveLength(1);
    expect((await html(second, '/')).body).toContain('>Alpha</a>');
    expect((await admin.patch(`/users/${await idOf('second')}`, { role: 'user' })).statusCode).toBe(200);
    expect((await second.get('/servers')).json().servers).toEqual([]);
    expect((await html(second, '/')).body).not.toContain('Alpha');
    expect((await second.get('/users')).statusCode).toBe(404);
  });

  it('answers 304 to a GET that names the current ETag, and 200 with a new tag once the server changed', async () => {
    for (const [url, accept] of [
      ['/servers', 'application/json'],
      [`/servers/${serverId}`, 'application/json'],
      ['/', 'text/html'],
      ['/servers', 'text/html'],
    ] as const) {
      const first = await owner.request('GET', url, undefined, { accept });
      expect(first.statusCode).toBe(200);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers['cache-control']).toBe('private, no-cache');
      const again = await owner.request('GET', url, undefined, { accept, 'if-none-match': etag });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      // Another user's answer differs, and so does its tag.
      expect((await admin.request('GET', url, undefined, { accept, 'if-none-match': etag })).statusCode).toBe(
        200,
      );
    }
    const before = await owner.request('GET', '/', undefined, { accept: 'text/html' });
    await owner.patch(`/servers/${serverId}`, { name: 'Bravo' });
    const after = await owner.request('GET', '/', undefined, {
      accept: 'text/html',
      'if-none-match': String(before.headers.etag),
    });
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('>Bravo</a>');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('puts no ETag on what must not be kept (a token shown once), nor on public answers', async () => {
    const account = await owner.request('POST', '/account/tokens', { name: 'x', scope: 'read' });
    expect(account.headers['cache-control']).toBe('no-store');
    expect(account.headers.etag).toBeUndefined();
    expect((await owner.get('/healthz')).headers.etag).toBeUndefined();
  });

  async function idOf(username: string): Promise<number> {
    const row = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    return row.id;
  }
});
