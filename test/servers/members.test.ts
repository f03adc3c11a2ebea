import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operations } from '../../src/openapi/operations.js';
import { type Permission, requireServerAction, serverRoute } from '../../src/servers/access.js';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  openStream,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { scriptedSupervisor } from '../helpers/scripted.js';

interface RouteCase {
  /** The permission it needs, as design/accounts.md gives it (`manage`: the owner's or an admin's only). */
  needs: Permission | 'manage';
  /** What a member without it is told: 403 "you may not <refusal> this server". */
  refusal: string;
  body?: Record<string, unknown>;
  /** What someone allowed gets. */
  status: number;
}

/**
 * Every route under /servers/:id and what it needs, written out here (not read from the code). The
 * first test checks this covers every such route of the OpenAPI document (which covers every JSON
 * route): a new route without a row here fails. Destructive rows come last.
 */
const routes: Record<string, RouteCase> = {
  'GET /servers/:id': { needs: 'view', refusal: 'view', status: 200 },
  'GET /servers/:id/events': { needs: 'view', refusal: 'view', status: 200 },
  'PATCH /servers/:id': {
    needs: 'settings',
    refusal: 'change the settings of',
    body: { name: 'Renamed' },
    status: 200,
  },
  'POST /servers/:id': {
    needs: 'settings',
    refusal: 'change the settings of',
    body: { port: 27115 },
    status: 200,
  },
  'POST /servers/:id/start': { needs: 'control', refusal: 'start', status: 202 },
  'POST /servers/:id/stop': { needs: 'control', refusal: 'stop', status: 202 },
  'POST /servers/:id/restart': { needs: 'control', refusal: 'restart', status: 202 },
  'POST /servers/:id/rcon': {
    needs: 'console',
    refusal: 'use the console of',
    body: { command: 'status' },
    status: 200,
  },
  'POST /servers/:id/changelevel': {
    needs: 'console',
    refusal: 'change the map of',
    body: { map: 'c1m1_hotel' },
    status: 200,
  },
  'POST /servers/:id/kick': {
    needs: 'console',
    refusal: 'kick players from',
    body: { userid: 2 },
    status: 200,
  },
  'GET /servers/:id/members': { needs: 'manage', refusal: 'manage the members of', status: 200 },
  'POST /servers/:id/members': {
    needs: 'manage',
    refusal: 'manage the members of',
    body: { username: 'dave' },
    status: 201,
  },
  'PATCH /servers/:id/members/:user_id': {
    needs: 'manage',
    refusal: 'manage the members of',
    body: { permissions: ['control'] },
    status: 200,
  },
  'POST /servers/:id/members/:user_id': {
    needs: 'manage',
    refusal: 'manage the members of',
    body: { permissions: [] },
    status: 200,
  },
  'DELETE /servers/:id/members/:user_id': { needs: 'manage', refusal: 'manage the members of', status: 204 },
  'POST /servers/:id/members/:user_id/delete': {
    needs: 'manage',
    refusal: 'manage the members of',
    status: 204,
  },
  'DELETE /servers/:id': { needs: 'manage', refusal: 'delete', status: 204 },
  'POST /servers/:id/delete': { needs: 'manage', refusal: 'delete', status: 204 },
};

const memberships: Permission[][] = [
  [],
  ['control'],
  ['console'],
  ['settings'],
  ['control', 'console', 'settings'],
];

const allowed = ({ needs }: RouteCase, given: Permission[]) =>
  needs === 'view' || (needs !== 'manage' && given.includes(needs));

describe('a server route must say what it does to the server', () => {
  it('the app refuses, at start, a route under /servers/:id without a serverAction', async () => {
    const app = Fastify();
    app.addHook('onRoute', requireServerAction);
    app.get('/servers', async () => 'a list: no single server');
    app.post('/servers/:id/start', serverRoute('start'), async () => 'decided');
    expect(() => app.post('/servers/:id/backup', async () => 'undecided')).toThrow(
      'POST /servers/:id/backup names no serverAction (src/servers/access.ts)',
    );
    await app.close();
  });
});

describe.each(testDialects())('shared servers (%s)', (dialect) => {
  let t: TestApp;
  let supervisor: ReturnType<typeof scriptedSupervisor>;
  let baseUrl: string;
  let owner: Client;
  let admin: Client;
  let blueprint: number;
  let serverId: number;
  let ids: Record<string, number>;

  beforeEach(async () => {
    supervisor = scriptedSupervisor();
    t = await startTestApp({ dialect, supervisor, env: { ALLOW_REGISTRATION: 'true' } });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await signUp(t.app, 'admin');
    owner = await signUp(t.app, 'owner');
    for (const name of ['member', 'stranger', 'dave', 'erin']) await signUp(t.app, name);
    const rows = await t.database.db.selectFrom('users').select(['id', 'username']).execute();
    ids = Object.fromEntries(rows.map((row) => [row.username, row.id]));
    blueprint = await createBlueprint(owner);
    serverId = await createServer(owner, { name: 'Alpha', port: 27015, blueprint_id: blueprint });
  });
  afterEach(() => t.close());

  /** Sends a route's request as the client; event streams over HTTP (their status, then hang up). */
  async function call(client: Client, key: string, server = serverId, member = ids.dave ?? 0) {
    const [method = 'GET', url = ''] = key.split(' ');
    const path = url.replace(':id', String(server)).replace(':user_id', String(member));
    if (path.endsWith('/events')) {
      const stream = openStream(`${baseUrl}${path}`, client.cookieHeader);
      const status = await stream.ready;
      stream.close();
      return { statusCode: status, body: '' };
    }
    return client.request(method as 'GET', path, routes[key]?.body);
  }

  const share = (username: string, permissions: Permission[], server = serverId) =>
    owner.post(`/servers/${server}/members`, { username, permissions });

  it('decides every route under /servers/:id (the table covers them all)', () => {
    const underServer = Object.keys(operations).filter((key) =>
      key.split(' ')[1]?.startsWith('/servers/:id'),
    );
    expect(Object.keys(routes).sort()).toEqual(underServer.sort());
  });

  it.each(memberships)(
    'a member with [%s] gets what those permissions allow, 403 naming the action otherwise',
    async (...given) => {
      const permissions = given as Permission[];
      expect((await share('member', permissions)).statusCode).toBe(201);
      // Dave is a member too, so the member routes have someone to change (they are refused anyway).
      expect((await share('dave', [])).statusCode).toBe(201);
      const member = await logIn(t.app, 'member');
      for (const [key, route] of Object.entries(routes)) {
        const before = await snapshot(t.database);
        const response = await call(member, key);
        if (allowed(route, permissions)) {
          expect(response.statusCode, `${key} with [${permissions}]: ${response.body}`).toBe(route.status);
        } else {
          expect(response.statusCode, `${key} with [${permissions}]`).toBe(403);
          expect(JSON.parse(response.body)).toEqual({
            error: `you may not ${route.refusal} this server`,
          });
          expect(await snapshot(t.database), key).toEqual(before);
        }
      }
    },
  );

  it('someone who is neither owner, member nor admin gets 404 on every route, and nothing changes', async () => {
    expect((await share('dave', [])).statusCode).toBe(201);
    const stranger = await logIn(t.app, 'stranger');
    for (const key of Object.keys(routes)) {
      const before = await snapshot(t.database);
      const response = await call(stranger, key);
      expect(response.statusCode, key).toBe(404);
      if (response.body) expect(JSON.parse(response.body)).toEqual({ error: 'server not found' });
      expect(await snapshot(t.database), key).toEqual(before);
    }
    // A server that does not exist answers the same.
    expect((await call(stranger, 'GET /servers/:id', serverId + 100)).statusCode).toBe(404);
  });

  it.each([
    ['the owner', 'owner'],
    ['an admin', 'admin'],
  ])('%s may do everything, the destructive routes last', async (_who, name) => {
    const client = name === 'owner' ? owner : admin;
    expect((await share('dave', [])).statusCode).toBe(201);
    expect((await share('erin', [])).statusCode).toBe(201);
    const other = await createServer(owner, { name: 'Beta', port: 28015, blueprint_id: blueprint });
    for (const [key, route] of Object.entries(routes)) {
      const member = key.endsWith('/delete') ? ids.erin : ids.dave;
      const server = key === 'POST /servers/:id/delete' ? other : serverId;
      if (key === 'POST /servers/:id/members') await owner.delete(`/servers/${serverId}/members/${ids.dave}`);
      const response = await call(client, key, server, member);
      expect(response.statusCode, `${key}: ${response.body}`).toBe(route.status);
    }
  });

  it('shows the member the server in lists, the dashboard and /events, with access and permissions', async () => {
    await createServer(owner, { name: 'Private', port: 28015, blueprint_id: blueprint });
    expect((await share('member', ['console'])).statusCode).toBe(201);
    const member = await logIn(t.app, 'member');
    for (const url of ['/servers', '/']) {
      const servers = (await member.get(url)).json().servers;
      expect(servers).toEqual([
        expect.objectContaining({
          id: serverId,
          name: 'Alpha',
          access: 'member',
          permissions: ['view', 'console'],
        }),
      ]);
    }
    expect((await member.get(`/servers/${serverId}`)).json()).toMatchObject({
      access: 'member',
      permissions: ['view', 'console'],
    });
    expect((await owner.get(`/servers/${serverId}`)).json()).toMatchObject({
      access: 'owner',
      permissions: ['view', 'control', 'console', 'settings'],
    });
    expect((await admin.get(`/servers/${serverId}`)).json()).toMatchObject({ access: 'admin' });
    const stream = openStream<{ server_id: number; type: string }>(`${baseUrl}/events`, member.cookieHeader);
    expect(await stream.ready).toBe(200);
    await expect.poll(() => stream.events.filter((event) => event.type === 'state').length).toBe(1);
    expect(stream.events.map((event) => event.server_id)).toEqual([serverId, serverId]);
    stream.close();
    const members = (await owner.get(`/servers/${serverId}/members`)).json();
    expect(members).toEqual({
      members: [{ user_id: ids.member, username: 'member', permissions: ['view', 'console'] }],
    });
  });

  it('pages show a member what their permissions allow, and no more', async () => {
    expect((await share('member', [])).statusCode).toBe(201);
    const viewer = await logIn(t.app, 'member', 'form');
    const page = (await viewer.get(`/servers/${serverId}`)).body;
    expect(page).toContain('Alpha');
    for (const hidden of [
      '/start"',
      '/rcon"',
      '/changelevel"',
      'id="settings-heading"',
      'Launch line',
      '/delete"',
      'id="members"',
    ])
      expect(page, hidden).not.toContain(hidden);
    // The blueprint is the owner's: named, not linked (its page would be 404 to the member).
    expect(page).toContain('<dd>coop</dd>');
    expect(page).not.toContain(`/blueprints/${blueprint}`);
    await owner.patch(`/servers/${serverId}/members/${ids.member}`, {
      permissions: ['control', 'console', 'settings'],
    });
    const full = (await viewer.get(`/servers/${serverId}`)).body;
    for (const shown of ['/start"', '/rcon"', '/changelevel"', 'id="settings-heading"'])
      expect(full, shown).toContain(shown);
    expect(full).not.toContain('/delete"');
    expect(full).not.toContain('id="members"');
    const ownerPage = (await (await logIn(t.app, 'owner', 'form')).get(`/servers/${serverId}`)).body;
    expect(ownerPage).toContain('id="members"');
    expect(ownerPage).toContain('member');
  });

  it('the per-server stream carries console lines only with the console permission', async () => {
    expect((await share('member', [])).statusCode).toBe(201);
    const member = await logIn(t.app, 'member');
    const stream = openStream<{ type: string }>(`${baseUrl}/servers/${serverId}/events`, member.cookieHeader);
    expect(await stream.ready).toBe(200);
    await expect.poll(() => supervisor.listeners(serverId)).toBe(1);
    supervisor.emit(serverId, { type: 'console', line: 'secret console line' });
    supervisor.emit(serverId, { type: 'live', live: null });
    await expect.poll(() => stream.events.length).toBe(3);
    expect(stream.events.map((event) => event.type)).toEqual(['state', 'live', 'live']);
    stream.close();
  });

  it('a member picks among the owner’s blueprints, never their own nor another’s', async () => {
    const ownersOther = await createBlueprint(owner, { name: 'versus' });
    const member = await logIn(t.app, 'member');
    const membersOwn = await createBlueprint(member, { name: 'mine' });
    const adminsOwn = await createBlueprint(admin, { name: 'admins' });
    expect((await share('member', ['settings'])).statusCode).toBe(201);
    for (const foreign of [membersOwn, adminsOwn]) {
      const before = await snapshot(t.database);
      const response = await member.patch(`/servers/${serverId}`, { blueprint_id: foreign });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: 'blueprint not found' });
      expect(await snapshot(t.database)).toEqual(before);
    }
    const moved = await member.patch(`/servers/${serverId}`, { blueprint_id: ownersOther });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ blueprint_id: ownersOther, access: 'member' });
    // The settings form offers the owner's blueprints.
    const page = (await (await logIn(t.app, 'member', 'form')).get(`/servers/${serverId}`)).body;
    expect(page).toContain('>versus</option>');
    expect(page).not.toContain('>mine</option>');
  });

  it('manages members: 404 "user not found", 409 "already a member", bad permissions 400; members never own', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ username: 'nobody' }, 404, 'user not found'],
      [{ username: 'owner' }, 409, 'the owner is not a member'],
      [
        { username: 'member', permissions: ['root'] },
        400,
        'permissions: must be among view, control, console, settings',
      ],
      [{ username: 'member', permissions: 'control' }, 400, 'permissions: must be an array of permissions'],
      [{ username: 'member', extra: 1 }, 400, 'extra: is not a known field'],
    ];
    for (const [body, status, error] of cases) {
      const before = await snapshot(t.database);
      const response = await owner.post(`/servers/${serverId}/members`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error).toBe(error);
      expect(await snapshot(t.database)).toEqual(before);
    }
    expect((await share('member', ['view', 'control'])).json()).toEqual({
      user_id: ids.member,
      username: 'member',
      permissions: ['view', 'control'],
    });
    const before = await snapshot(t.database);
    const twice = await share('member', []);
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toEqual({ error: 'already a member' });
    expect(await snapshot(t.database)).toEqual(before);
    expect(
      (await owner.patch(`/servers/${serverId}/members/${ids.stranger}`, { permissions: [] })).statusCode,
    ).toBe(404);
    expect((await owner.delete(`/servers/${serverId}/members/${ids.stranger}`)).json()).toEqual({
      error: 'member not found',
    });
    const row = await t.database.db
      .selectFrom('servers')
      .select('user_id')
      .where('id', '=', serverId)
      .executeTakeFirst();
    expect(row?.user_id).toBe(ids.owner);
  });

  it('form members: checkboxes add, change and remove a member', async () => {
    const browser = await logIn(t.app, 'owner', 'form');
    const added = await browser.send('POST', `/servers/${serverId}/members`, {
      payload: 'username=member&permissions=control&permissions=console',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(added.statusCode).toBe(302);
    expect(added.headers.location).toBe(`/servers/${serverId}#members`);
    const twice = await browser.post(`/servers/${serverId}/members`, { username: 'member' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body.slice(twice.body.indexOf('id="members"'))).toContain('already a member');
    const listed = await browser.get(`/servers/${serverId}/members`);
    expect(listed.statusCode).toBe(200);
    expect(listed.body).toContain(`action="/servers/${serverId}/members/${ids.member}/delete"`);
    const permissionsOf = async () =>
      (await owner.get(`/servers/${serverId}/members`)).json().members[0]?.permissions;
    expect(await permissionsOf()).toEqual(['view', 'control', 'console']);
    // No box ticked: view only.
    expect((await browser.post(`/servers/${serverId}/members/${ids.member}`, {})).statusCode).toBe(302);
    expect(await permissionsOf()).toEqual(['view']);
    expect(
      (await browser.post(`/servers/${serverId}/members/${ids.member}`, { permissions: 'settings' }))
        .statusCode,
    ).toBe(302);
    expect(await permissionsOf()).toEqual(['view', 'settings']);
    expect((await browser.post(`/servers/${serverId}/members/${ids.member}/delete`, {})).statusCode).toBe(
      302,
    );
    expect(await permissionsOf()).toBeUndefined();
  });

  it('removing a member ends their view at once: /events stops sending that server, its own stream ends', async () => {
    const beta = await createServer(owner, { name: 'Beta', port: 28015, blueprint_id: blueprint });
    expect((await share('member', ['console'])).statusCode).toBe(201);
    expect((await share('member', [], beta)).statusCode).toBe(201);
    const member = await logIn(t.app, 'member');
    const dashboard = openStream<{ server_id: number; type: string }>(
      `${baseUrl}/events`,
      member.cookieHeader,
    );
    const serverPage = openStream<{ type: string }>(
      `${baseUrl}/servers/${serverId}/events`,
      member.cookieHeader,
    );
    expect([await dashboard.ready, await serverPage.ready]).toEqual([200, 200]);
    await expect.poll(() => supervisor.listeners(serverId)).toBe(2);
    await expect.poll(() => dashboard.events.length).toBe(4);

    expect((await owner.delete(`/servers/${serverId}/members/${ids.member}`)).statusCode).toBe(204);
    await serverPage.ended;
    expect(supervisor.listeners(serverId)).toBe(0);
    supervisor.emit(serverId, { type: 'live', live: { map: 'c5m1_waterfront', players: 1, max_players: 8 } });
    supervisor.emit(beta, { type: 'live', live: { map: 'c1m1_hotel', players: 0, max_players: 8 } });
    await expect.poll(() => dashboard.events.length).toBe(5);
    expect(dashboard.events.at(-1)).toMatchObject({ server_id: beta, type: 'live' });
    expect(dashboard.isEnded).toBe(false);
    expect((await member.get(`/servers/${serverId}`)).statusCode).toBe(404);
    dashboard.close();
  });

  it('changing a member’s permissions ends their stream of the server, and the next one follows the new permissions', async () => {
    expect((await share('member', ['console'])).statusCode).toBe(201);
    const member = await logIn(t.app, 'member');
    const stream = openStream(`${baseUrl}/servers/${serverId}/events`, member.cookieHeader);
    expect(await stream.ready).toBe(200);
    await owner.patch(`/servers/${serverId}/members/${ids.member}`, { permissions: [] });
    await stream.ended;
    expect((await member.post(`/servers/${serverId}/rcon`, { command: 'status' })).statusCode).toBe(403);
  });

  it('deleting a server removes its memberships and ends its members’ streams', async () => {
    expect((await share('member', [])).statusCode).toBe(201);
    const member = await logIn(t.app, 'member');
    const stream = openStream(`${baseUrl}/servers/${serverId}/events`, member.cookieHeader);
    expect(await stream.ready).toBe(200);
    expect((await owner.delete(`/servers/${serverId}`)).statusCode).toBe(204);
    await stream.ended;
    expect(await t.database.db.selectFrom('server_members').selectAll().execute()).toEqual([]);
    expect((await member.get('/servers')).json().servers).toEqual([]);
  });

  it('names a port clash’s server to a member, since they see it', async () => {
    expect((await share('member', [])).statusCode).toBe(201);
    const member = await logIn(t.app, 'member');
    const own = await createBlueprint(member, { name: 'mine' });
    const clash = await member.post('/servers', { name: 'Mine', port: 27025, blueprint_id: own });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toBe('port already in use: port 27015 is the game port of server "Alpha"');
    const stranger = await logIn(t.app, 'stranger');
    const theirs = await createBlueprint(stranger, { name: 'theirs' });
    const hidden = await stranger.post('/servers', { name: 'Theirs', port: 27025, blueprint_id: theirs });
    expect(hidden.json().error).toBe("port 27015 is in use by another user's server");
  });
});
