import { TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createToken, tokenHash } from '../../src/auth/tokens.js';
import { operations } from '../../src/openapi/operations.js';
import { buildMapVpk } from '../../src/vpk/writer.js';
import {
  type Client,
  createApiToken,
  createBlueprint,
  createServer,
  logIn,
  openStream,
  password,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
  tokenClient,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { uploaded } from '../helpers/workshop.js';

/** The ids and secrets the table's requests use; each destructive route has a row of its own. */
interface Fixture {
  admin: number;
  /** Uploaded VPKs: one to read, two to delete. */
  addons: [number, number, number];
  blueprint: number;
  spareBlueprints: [number, number];
  server: number;
  spareServers: [number, number];
  spareTokens: [number, number];
  spareUser: number;
  bob: number;
  carol: number;
  totpSecret?: string;
  recoveryCode?: string;
  /** A schedule and a webhook, then the spares the DELETE route and its form's twin remove. */
  schedules: [number, number, number];
  webhooks: [number, number, number];
}

interface Sample {
  body?: unknown;
  /** What a write token gets (a read token the same on a safe route). */
  status: number;
  /** Run before the write token's request (e.g. to turn two-factor sign-in on for the route that turns it off). */
  prepare?: (f: Fixture, admin: Client) => Promise<void>;
  /** Reads what a later row needs from the write token's answer. */
  keep?: (answer: { json(): unknown }, f: Fixture) => void;
}

const code = (secret: string) => new TOTP({ secret }).generate();

/**
 * One request per JSON route, with what a write token gets: every route in the OpenAPI document must
 * be here (a new route without a row fails the test), in an order where destructive rows use their
 * own spare rows and come after the rows that need what they remove.
 */
const samples: Record<string, (f: Fixture) => Sample> = {
  'GET /account': () => ({ status: 200 }),
  'GET /account/tokens': () => ({ status: 200 }),
  'POST /account/tokens': () => ({ body: { name: 'ci', scope: 'read' }, status: 201 }),
  'DELETE /account/tokens/:id': () => ({ status: 204 }),
  'POST /account/tokens/:id/delete': () => ({ status: 204 }),
  'POST /account/totp': () => ({
    status: 200,
    keep: (answer, f) => {
      f.totpSecret = (answer.json() as { secret: string }).secret;
    },
  }),
  'POST /account/totp/confirm': (f) => ({ body: { code: code(f.totpSecret ?? '') }, status: 200 }),
  'DELETE /account/totp': (f) => ({ body: { code: code(f.totpSecret ?? '') }, status: 204 }),
  // Turned on again first; turned off with a recovery code (this step's code was used just now).
  'POST /account/totp/delete': (f) => ({
    body: { code: f.recoveryCode ?? '' },
    status: 204,
    prepare: async (fixture, admin) => {
      const setup = (await admin.post('/account/totp')).json();
      const confirmed = await admin.post('/account/totp/confirm', { code: code(setup.secret) });
      expect(confirmed.statusCode).toBe(200);
      fixture.recoveryCode = confirmed.json().recovery_codes[0];
    },
  }),
  'GET /users': () => ({ status: 200 }),
  'POST /users': () => ({ body: { username: 'dave', password }, status: 201 }),
  'PATCH /users/:id': () => ({ body: { role: 'admin' }, status: 200 }),
  'POST /users/:id': () => ({ body: { role: 'user' }, status: 200 }),
  'POST /users/:id/password': () => ({ status: 200 }),
  'GET /blueprints': () => ({ status: 200 }),
  'POST /blueprints': () => ({ body: { name: 'new', arguments: [], config: [] }, status: 201 }),
  'GET /blueprints/:id': () => ({ status: 200 }),
  'PATCH /blueprints/:id': () => ({ body: { name: 'renamed' }, status: 200 }),
  'POST /blueprints/:id': () => ({ body: { name: 'renamed again' }, status: 200 }),
  'DELETE /blueprints/:id': () => ({ status: 204 }),
  'POST /blueprints/:id/delete': () => ({ status: 204 }),
  'GET /servers': () => ({ status: 200 }),
  'POST /servers': (f) => ({ body: { name: 'new', port: 40015, blueprint_id: f.blueprint }, status: 201 }),
  'GET /servers/:id': () => ({ status: 200 }),
  'PATCH /servers/:id': () => ({ body: { name: 'renamed' }, status: 200 }),
  'POST /servers/:id': () => ({ body: { name: 'renamed again' }, status: 200 }),
  'POST /servers/:id/start': () => ({ status: 202 }),
  'POST /servers/:id/stop': () => ({ status: 202 }),
  'POST /servers/:id/restart': () => ({ status: 202 }),
  'POST /servers/:id/rcon': () => ({ body: { command: 'status' }, status: 200 }),
  'POST /servers/:id/changelevel': () => ({ body: { map: 'c2m1_highway' }, status: 200 }),
  'POST /servers/:id/kick': () => ({ body: { userid: 2 }, status: 200 }),
  'GET /servers/:id/events': () => ({ status: 200 }),
  'GET /servers/:id/members': () => ({ status: 200 }),
  'POST /servers/:id/members': () => ({ body: { username: 'carol', permissions: ['control'] }, status: 201 }),
  'PATCH /servers/:id/members/:user_id': () => ({ body: { permissions: ['console'] }, status: 200 }),
  'POST /servers/:id/members/:user_id': () => ({ body: { permissions: ['settings'] }, status: 200 }),
  'DELETE /servers/:id/members/:user_id': () => ({ status: 204 }),
  'POST /servers/:id/members/:user_id/delete': () => ({ status: 204 }),
  'GET /schedules': () => ({ status: 200 }),
  'POST /schedules': (f) => ({
    body: { name: 'nightly', cron: '0 5 * * *', server_ids: [f.server], tasks: [{ action: 'restart' }] },
    status: 201,
  }),
  'GET /schedules/preview': () => ({ status: 200 }),
  'GET /schedules/:id': () => ({ status: 200 }),
  'PATCH /schedules/:id': () => ({ body: { cron: '0 6 * * *' }, status: 200 }),
  'POST /schedules/:id': () => ({ body: { when_players: 'force' }, status: 200 }),
  'POST /schedules/:id/run': () => ({ status: 202 }),
  'GET /schedules/:id/runs': () => ({ status: 200 }),
  'DELETE /schedules/:id': () => ({ status: 204 }),
  'POST /schedules/:id/delete': () => ({ status: 204 }),
  'GET /webhooks': () => ({ status: 200 }),
  'POST /webhooks': () => ({
    body: { url: 'http://127.0.0.1:9/hook', format: 'json', events: ['crashed'] },
    status: 201,
  }),
  // Nothing listens on port 9: the target gave no answer.
  'POST /webhooks/:id/test': () => ({ status: 502 }),
  'DELETE /webhooks/:id': () => ({ status: 204 }),
  'POST /webhooks/:id/delete': () => ({ status: 204 }),
  'GET /audit': () => ({ status: 200 }),
  'DELETE /servers/:id': () => ({ status: 204 }),
  'POST /servers/:id/delete': () => ({ status: 204 }),
  'GET /addons': () => ({ status: 200 }),
  // Refused before any request to Steam (the tests never reach the real one).
  'POST /addons': () => ({ body: { workshop: 'not a workshop id' }, status: 400 }),
  // A JSON body where a multipart upload belongs.
  'POST /addons/upload': () => ({ body: { file: 'x' }, status: 415 }),
  // No Workshop item stored: nothing to ask Steam.
  'POST /addons/refresh': () => ({ status: 202 }),
  'GET /addons/events': () => ({ status: 200 }),
  'GET /addons/:id': () => ({ status: 200 }),
  'DELETE /addons/:id': () => ({ status: 204 }),
  'POST /addons/:id/delete': () => ({ status: 204 }),
  'GET /': () => ({ status: 200 }),
  'GET /events': () => ({ status: 200 }),
  'GET /nodes': () => ({ status: 200 }),
  'GET /install': () => ({ status: 200 }),
  'GET /install/events': () => ({ status: 200 }),
  'POST /install/check': () => ({ status: 200 }),
  // No job runs yet: the token passes, the installer refuses (cancel first, so it never races the job).
  'POST /install/cancel': () => ({ status: 409 }),
  'POST /install': () => ({ status: 202 }),
  // Public routes: a token is still checked (an invalid one is 401), and a read token may not post.
  'POST /register': () => ({ body: { username: 'erin', password }, status: 201 }),
  'POST /login': () => ({ body: { username: 'bob', password }, status: 200 }),
  'POST /login/code': () => ({ body: { login_token: 'x', code: '123456' }, status: 401 }),
  'POST /logout': () => ({ status: 204 }),
  // Last: it signs the admin's sessions out.
  'POST /account/password': () => ({
    body: { current_password: password, new_password: 'a brand new password' },
    status: 204,
  }),
};

/** Routes that never look at who asks (no session look-up at all). */
const sessionless = ['GET /healthz', 'GET /openapi.json'];

/** The URL of a route for the fixture: which row each destructive route removes. */
function urlOf(key: string, f: Fixture): string {
  const [method, url = ''] = key.split(' ');
  const removes = method === 'DELETE' ? 0 : url.endsWith('/delete') ? 1 : null;
  const spare = (ids: [number, number, number]) => ids[removes === null ? 0 : removes + 1];
  const id = url.startsWith('/schedules/:id')
    ? spare(f.schedules)
    : url.startsWith('/webhooks/:id')
      ? spare(f.webhooks)
      : url.startsWith('/account/tokens/:id')
        ? f.spareTokens[removes ?? 0]
        : url.startsWith('/addons/:id')
          ? f.addons[removes === null ? 0 : removes + 1]
          : url.startsWith('/users/:id')
            ? f.spareUser
            : url.startsWith('/blueprints/:id')
              ? removes === null
                ? f.blueprint
                : f.spareBlueprints[removes]
              : url === '/servers/:id' || url === '/servers/:id/delete'
                ? removes === null
                  ? f.server
                  : f.spareServers[removes]
                : f.server;
  // Members: bob is changed and removed; carol, added by the table, is removed by the form's twin.
  const member = url.endsWith('/delete') ? f.carol : f.bob;
  const query = url === '/schedules/preview' ? '?cron=0+5+*+*+*' : '';
  return url.replace(':id', String(id)).replace(':user_id', String(member)) + query;
}

const safe = (key: string) => key.startsWith('GET ');

describe.each(testDialects())('API tokens on every route (%s)', (dialect) => {
  let t: TestApp;
  let baseUrl: string;
  let admin: Client;
  let fixture: Fixture;
  let tokens: { read: string; write: string; revoked: string; expired: string };

  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true', ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await signUp(t.app, 'alice');
    const bob = await signUp(t.app, 'bob');
    await signUp(t.app, 'carol');
    await signUp(t.app, 'spare');
    const users = await t.database.db.selectFrom('users').select(['id', 'username']).orderBy('id').execute();
    const idOf = (name: string) => users.find((user) => user.username === name)?.id ?? 0;
    const blueprint = await createBlueprint(admin);
    const server = await createServer(admin, { name: 'alpha', port: 27015, blueprint_id: blueprint });
    expect((await admin.post(`/servers/${server}/members`, { username: 'bob' })).statusCode).toBe(201);
    await bob.post('/logout');
    const vpk = (name: string) => uploaded(admin, buildMapVpk([name]), `${name}.vpk`);
    fixture = {
      admin: idOf('alice'),
      addons: [await vpk('c90m1_read'), await vpk('c90m1_delete'), await vpk('c90m1_form')],
      blueprint,
      spareBlueprints: [
        await createBlueprint(admin, { name: 'spare1' }),
        await createBlueprint(admin, { name: 'spare2' }),
      ],
      server,
      spareServers: [
        await createServer(admin, { name: 'spare1', port: 28015, blueprint_id: blueprint }),
        await createServer(admin, { name: 'spare2', port: 29015, blueprint_id: blueprint }),
      ],
      spareTokens: [0, 0],
      spareUser: idOf('spare'),
      bob: idOf('bob'),
      carol: idOf('carol'),
      schedules: [0, 0, 0],
      webhooks: [0, 0, 0],
    };
    for (const index of [0, 1, 2]) {
      const schedule = await admin.post('/schedules', {
        name: `schedule ${index}`,
        cron: '0 5 * * *',
        server_ids: [server],
        tasks: [{ action: 'restart' }],
      });
      fixture.schedules[index] = schedule.json().id;
      const webhook = await admin.post('/webhooks', {
        url: 'http://127.0.0.1:9/x',
        format: 'json',
        events: ['failed'],
      });
      fixture.webhooks[index] = webhook.json().id;
    }
    for (const index of [0, 1]) {
      await createApiToken(admin, 'write', `spare ${index}`);
    }
    const listed = (await admin.get('/account/tokens')).json().tokens as { id: number }[];
    fixture.spareTokens = [listed[0]?.id ?? 0, listed[1]?.id ?? 0];
    const revoked = await createApiToken(admin, 'write', 'revoked');
    const revokedId = (await admin.get('/account/tokens')).json().tokens.at(-1).id;
    expect((await admin.delete(`/account/tokens/${revokedId}`)).statusCode).toBe(204);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    tokens = {
      read: await createApiToken(admin, 'read'),
      write: await createApiToken(admin, 'write'),
      revoked,
      expired: (
        await createToken(
          t.database.db,
          fixture.admin,
          { name: 'old', scope: 'write', expires_in_days: 1 },
          twoDaysAgo,
        )
      ).token,
    };
  });
  afterEach(() => t.close());

  /** A request with the token, over HTTP for event streams (their status, then hang up), else injected. */
  async function send(key: string, token: string, sample: Sample) {
    const [method = 'GET'] = key.split(' ');
    const url = urlOf(key, fixture);
    if (url.endsWith('/events')) {
      const stream = openStream(`${baseUrl}${url}`, { authorization: `Bearer ${token}` });
      const status = await stream.ready;
      stream.close();
      return { statusCode: status, body: '', json: () => ({}) };
    }
    return tokenClient(t.app, token).request(method as 'GET', url, sample.body);
  }

  it('covers every route of the OpenAPI document', () => {
    expect(Object.keys(samples).sort()).toEqual(
      Object.keys(operations)
        .filter((key) => !sessionless.includes(key))
        .sort(),
    );
  });

  it('a read token reads and is refused every change (403, nothing changed); a write token does it; revoked and expired ones are 401', async () => {
    for (const key of Object.keys(samples)) {
      const sample = samples[key]?.(fixture) as Sample;
      for (const dead of [tokens.revoked, tokens.expired]) {
        const before = await snapshot(t.database);
        const response = await send(key, dead, sample);
        expect(response.statusCode, `${key} with a dead token`).toBe(401);
        expect(response.json(), key).toEqual(key.endsWith('/events') ? {} : { error: 'invalid token' });
        expect(await snapshot(t.database), key).toEqual(before);
      }
      if (!safe(key)) {
        const before = await snapshot(t.database);
        const response = await send(key, tokens.read, sample);
        expect(response.statusCode, `${key} with a read token`).toBe(403);
        expect(response.json()).toEqual({ error: 'token is read-only' });
        expect(await snapshot(t.database), key).toEqual(before);
      } else {
        expect((await send(key, tokens.read, sample)).statusCode, `${key} with a read token`).toBe(
          sample.status,
        );
      }
      await sample.prepare?.(fixture, admin);
      const again = samples[key]?.(fixture) as Sample;
      const response = await send(key, tokens.write, again);
      expect(response.statusCode, `${key} with a write token: ${response.body}`).toBe(again.status);
      again.keep?.(response, fixture);
    }
  });

  it('a bearer request with a hostile Origin works; the same with a cookie is 403', async () => {
    const hostile: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of hostile) {
      const before = await snapshot(t.database);
      const byCookie = await admin.request(
        'POST',
        '/blueprints',
        { name: 'x', arguments: [], config: [] },
        headers,
      );
      expect(byCookie.statusCode).toBe(403);
      expect(byCookie.json()).toEqual({ error: 'cross-site request refused' });
      expect(await snapshot(t.database)).toEqual(before);
      const byToken = await tokenClient(t.app, tokens.write).request(
        'POST',
        '/blueprints',
        { name: `from ${Object.keys(headers)[0]}`, arguments: [], config: [] },
        headers,
      );
      expect(byToken.statusCode).toBe(201);
    }
  });

  it('a bearer request is its token’s alone: the cookie beside it signs nothing in, and logging out ends no session', async () => {
    const cookie = { cookie: admin.cookieHeader };
    const readWithCookie = await tokenClient(t.app, tokens.read).request(
      'POST',
      '/blueprints',
      { name: 'x', arguments: [], config: [] },
      cookie,
    );
    expect(readWithCookie.statusCode).toBe(403);
    expect(readWithCookie.json()).toEqual({ error: 'token is read-only' });
    const deadWithCookie = await tokenClient(t.app, tokens.revoked).request(
      'GET',
      '/servers',
      undefined,
      cookie,
    );
    expect(deadWithCookie.statusCode).toBe(401);
    for (const header of ['Bearer', 'Bearer ', 'bearer nonsense']) {
      const response = await admin.request('GET', '/servers', undefined, { authorization: header });
      expect(response.statusCode, header).toBe(401);
      expect(response.json()).toEqual({ error: 'invalid token' });
    }
    const sessions = await t.database.db.selectFrom('sessions').selectAll().execute();
    const logout = await tokenClient(t.app, tokens.write).request('POST', '/logout', undefined, cookie);
    expect(logout.statusCode).toBe(204);
    expect(logout.headers['set-cookie']).toBeUndefined();
    expect(await t.database.db.selectFrom('sessions').selectAll().execute()).toEqual(sessions);
    expect((await admin.get('/servers')).statusCode).toBe(200);
  });

  it('answers JSON to a bearer request that asks for nothing in particular (curl)', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/servers',
      headers: { authorization: `Bearer ${tokens.read}`, accept: '*/*' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().servers.map((s: { name: string }) => s.name)).toContain('alpha');
  });

  it('shows a token once, stores its hash only, lists it without it, and keeps last_used_at', async () => {
    const created = await admin.post('/account/tokens', { name: 'bot', scope: 'write', expires_in_days: 30 });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { id, token } = created.json();
    expect(token).toMatch(/^l4d2web_[\w-]{43}$/);
    const row = await t.database.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(tokenHash(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.last_used_at).toBeNull();
    const expires = Date.parse(row.expires_at ?? '');
    expect(Math.abs(expires - (Date.now() + 30 * 24 * 3600 * 1000))).toBeLessThan(60_000);

    expect((await tokenClient(t.app, token).get('/account')).json()).toEqual({
      id: fixture.admin,
      username: 'alice',
      role: 'admin',
      totp_enabled: false,
    });
    const listed = (await admin.get('/account/tokens'))
      .json()
      .tokens.find((entry: { id: number }) => entry.id === id);
    expect(listed).toEqual({
      id,
      name: 'bot',
      scope: 'write',
      created_at: row.created_at,
      expires_at: row.expires_at,
      last_used_at: expect.any(String),
    });
    expect(JSON.stringify((await admin.get('/account/tokens')).json())).not.toContain(token);
    const browser = await logIn(t.app, 'alice', 'form');
    const page = await browser.get('/account');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('bot');
    expect(page.body).not.toContain(token);
  });

  it('makes a token from the account page: shown on that page once, never in a cookie', async () => {
    const browser = await logIn(t.app, 'alice', 'form');
    const made = await browser.post('/account/tokens', {
      name: 'discord',
      scope: 'read',
      expires_in_days: '',
    });
    expect(made.statusCode).toBe(201);
    expect(made.headers['cache-control']).toBe('no-store');
    const token = /<pre data-new-token[^>]*>([^<]+)<\/pre>/.exec(made.body)?.[1] ?? '';
    expect(token).toMatch(/^l4d2web_/);
    expect(JSON.stringify(made.headers)).not.toContain(token);
    expect((await tokenClient(t.app, token).get('/servers')).statusCode).toBe(200);
    const row = await t.database.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'discord')
      .executeTakeFirstOrThrow();
    expect([row.scope, row.expires_at]).toEqual(['read', null]);
    expect((await browser.get('/account')).body).not.toContain(token);
  });

  it('refuses bad token input with 400 naming the field, and another user’s token is not found', async () => {
    for (const [body, field] of [
      [{ name: '', scope: 'read' }, 'name'],
      [{ name: 'x', scope: 'admin' }, 'scope'],
      [{ name: 'x', scope: 'read', expires_in_days: 0 }, 'expires_in_days'],
      [{ name: 'x', scope: 'read', expires_in_days: 4000 }, 'expires_in_days'],
      [{ name: 'x', scope: 'read', token: 'chosen' }, 'token'],
    ] as const) {
      const before = await snapshot(t.database);
      const response = await admin.post('/account/tokens', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(Object.keys(response.json().fields)).toEqual([field]);
      expect(await snapshot(t.database)).toEqual(before);
    }
    const bob = await logIn(t.app, 'bob');
    const before = await snapshot(t.database);
    const response = await bob.delete(`/account/tokens/${fixture.spareTokens[0]}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'token not found' });
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('revoking a token ends the streams opened with it at once', async () => {
    const token = await createApiToken(admin, 'read', 'streamer');
    const stream = openStream(`${baseUrl}/events`, { authorization: `Bearer ${token}` });
    expect(await stream.ready).toBe(200);
    const id = (await admin.get('/account/tokens')).json().tokens.at(-1).id;
    expect((await admin.delete(`/account/tokens/${id}`)).statusCode).toBe(204);
    await stream.ended;
    expect((await tokenClient(t.app, token).get('/servers')).statusCode).toBe(401);
  });
});
