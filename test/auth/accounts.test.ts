import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, logIn, password, signUp, snapshot, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('registration (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(() => t.close());

  const users = () => t.database.db.selectFrom('users').select(['username', 'role']).orderBy('id').execute();

  it('makes the first account admin and signs it in (JSON 201 {id})', async () => {
    const client = new Client(t.app, 'json');
    const response = await client.post('/register', { username: 'alice', password });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: expect.any(Number) });
    expect(await users()).toEqual([{ username: 'alice', role: 'admin' }]);
    expect((await client.get('/users')).statusCode).toBe(200);
  });

  it('redirects a browser to / after the first registration, signed in', async () => {
    const browser = new Client(t.app, 'form');
    const response = await browser.post('/register', { username: 'alice', password });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/');
    const dashboard = await browser.get('/');
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain('Welcome, alice.');
  });

  it('closes registration after the first account: 403, and no row is added', async () => {
    await signUp(t.app, 'alice');
    const before = await snapshot(t.database);
    const script = await new Client(t.app, 'json').post('/register', { username: 'bob', password });
    expect(script.statusCode).toBe(403);
    expect(script.json()).toEqual({ error: 'registration is closed' });
    const browser = await new Client(t.app, 'form').post('/register', { username: 'bob', password });
    expect(browser.statusCode).toBe(403);
    expect(browser.body).toContain('registration is closed');
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('makes exactly one admin when first registrations race', async () => {
    const responses = await Promise.all(
      ['ann', 'ben', 'cal', 'dan', 'eve'].map((username) =>
        new Client(t.app, 'json').post('/register', { username, password }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 403, 403, 403, 403]);
    const users = await t.database.db.selectFrom('users').select('role').execute();
    expect(users).toEqual([{ role: 'admin' }]);
  });

  it('lets anyone register as a user when ALLOW_REGISTRATION=true', async () => {
    await t.close();
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
    await signUp(t.app, 'alice');
    const bob = new Client(t.app, 'json');
    expect((await bob.post('/register', { username: 'bob', password })).statusCode).toBe(201);
    expect(await users()).toEqual([
      { username: 'alice', role: 'admin' },
      { username: 'bob', role: 'user' },
    ]);
    // bob is signed in as himself, and is no admin.
    expect((await bob.get('/servers')).statusCode).toBe(200);
    expect((await bob.get('/users')).statusCode).toBe(404);
  });

  it('lets an admin add a user, staying signed in as themselves', async () => {
    const admin = await signUp(t.app, 'alice');
    const cookieBefore = admin.cookies.get('l4d2web_session');
    const response = await admin.post('/register', { username: 'bob', password });
    expect(response.statusCode).toBe(201);
    expect(admin.cookies.get('l4d2web_session')).toBe(cookieBefore);
    expect((await admin.get('/users')).statusCode).toBe(200);
    expect(await users()).toEqual([
      { username: 'alice', role: 'admin' },
      { username: 'bob', role: 'user' },
    ]);
    // Only alice's session exists; bob signs in with the password the admin chose.
    expect(await t.database.db.selectFrom('sessions').selectAll().execute()).toHaveLength(1);
    await logIn(t.app, 'bob');
  });

  it('lets an admin add a user from the users page form', async () => {
    const admin = await signUp(t.app, 'alice', 'form');
    const response = await admin.post('/register', { username: 'bob', password });
    expect(response.statusCode).toBe(302);
    const page = await admin.get(response.headers.location as string);
    expect(page.body).toContain('Account bob created.');
    expect(page.body).toContain('Log out alice');
  });

  it('answers 409 "username already taken" and adds nothing', async () => {
    const admin = await signUp(t.app, 'alice');
    const before = await snapshot(t.database);
    const response = await admin.post('/register', { username: 'alice', password: 'another password' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'username already taken' });
    expect(await snapshot(t.database)).toEqual(before);
  });

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['a space', 'bad name'],
    ['non-ASCII letters', 'émile'],
    ['markup', '<b>x</b>'],
    ['a semicolon', 'a;b'],
  ])('refuses a username with %s: 400 with fields.username', async (_what, username) => {
    const before = await snapshot(t.database);
    const response = await new Client(t.app, 'json').post('/register', { username, password });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields.username).toEqual(expect.any(String));
    expect(response.json().error).toContain('username');
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('refuses a short password with fields.password', async () => {
    const response = await new Client(t.app, 'json').post('/register', {
      username: 'alice',
      password: 'short',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual({ password: 'must be at least 8 characters' });
    expect(await users()).toEqual([]);
  });

  it('keeps the typed username, escaped, in the re-rendered form', async () => {
    const response = await new Client(t.app, 'form').post('/register', { username: '"><b>x', password });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('value="&quot;>&lt;b>x"');
    expect(response.body).not.toContain('value=""><b>');
    expect(response.body).not.toContain('"><b>x');
  });

  it('stores the password as an argon2id hash', async () => {
    await signUp(t.app, 'alice');
    const row = await t.database.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(password);
  });
});

describe.each(testDialects())('login and logout (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await signUp(t.app, 'alice');
  });
  afterEach(() => t.close());

  const sessionIds = async () =>
    (await t.database.db.selectFrom('sessions').select('id').execute()).map((row) => row.id);

  it('answers JSON 200 {id, username, role} and sets the session cookie', async () => {
    const client = new Client(t.app, 'json');
    const response = await client.post('/login', { username: 'alice', password });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: expect.any(Number), username: 'alice', role: 'admin' });
    expect(client.cookies.get('l4d2web_session')).toEqual(expect.any(String));
    expect((await client.get('/servers')).statusCode).toBe(200);
  });

  it('redirects a browser to /', async () => {
    const response = await new Client(t.app, 'form').post('/login', { username: 'alice', password });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/');
  });

  it.each([
    ['a wrong password', 'alice', 'wrong password'],
    ['an unknown user', 'mallory', password],
  ])(
    'answers 401 "invalid username or password" for %s, and starts no session',
    async (_what, username, pw) => {
      const before = await snapshot(t.database);
      const client = new Client(t.app, 'json');
      const response = await client.post('/login', { username, password: pw });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: 'invalid username or password' });
      expect(client.cookies.has('l4d2web_session')).toBe(false);
      expect(await snapshot(t.database)).toEqual(before);
    },
  );

  it('re-renders the login form with the message and the username', async () => {
    const response = await new Client(t.app, 'form').post('/login', {
      username: 'alice',
      password: 'nope nope',
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('invalid username or password');
    expect(response.body).toContain('value="alice"');
  });

  it('answers 429 after repeated failures, even for the right password', async () => {
    const client = new Client(t.app, 'json');
    for (let i = 0; i < 5; i++) {
      expect((await client.post('/login', { username: 'alice', password: `wrong ${i}` })).statusCode).toBe(
        401,
      );
    }
    const response = await client.post('/login', { username: 'alice', password });
    expect(response.statusCode).toBe(429);
    expect(response.json().error).toMatch(/too many failed logins/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(client.cookies.has('l4d2web_session')).toBe(false);
  });

  it('behind a trusted proxy, limits the client that failed, not everyone behind the proxy', async () => {
    const proxied = await startTestApp({ dialect, env: { TRUST_PROXY: 'true' } });
    try {
      await signUp(proxied.app, 'alice');
      const client = new Client(proxied.app, 'json');
      const from = (ip: string, body: unknown) =>
        client.request('POST', '/login', body, { 'x-forwarded-for': ip });
      for (let i = 0; i < 5; i++) await from('203.0.113.7', { username: 'alice', password: `wrong ${i}` });
      expect((await from('203.0.113.7', { username: 'alice', password })).statusCode).toBe(429);
      expect((await from('198.51.100.2', { username: 'alice', password })).statusCode).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('logs out a script with 204 and deletes the session row', async () => {
    const client = await logIn(t.app, 'alice');
    const id = createHash('sha256')
      .update(client.cookies.get('l4d2web_session') as string)
      .digest('hex');
    expect(await sessionIds()).toContain(id);
    const response = await client.post('/logout');
    expect(response.statusCode).toBe(204);
    expect(await sessionIds()).not.toContain(id);
    expect((await client.get('/servers')).statusCode).toBe(401);
  });

  it('logs out a browser with 302 /login and deletes the session row', async () => {
    const browser = await logIn(t.app, 'alice', 'form');
    const token = browser.cookies.get('l4d2web_session') as string;
    const response = await browser.post('/logout', {});
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/login');
    expect(await sessionIds()).not.toContain(createHash('sha256').update(token).digest('hex'));
    // The old token no longer works even if someone kept it.
    const replay = await t.app.inject({
      url: '/servers',
      headers: { cookie: `l4d2web_session=${token}`, accept: 'application/json' },
    });
    expect(replay.statusCode).toBe(401);
  });

  it('stores sha256 of the cookie token, never the token', async () => {
    const client = await logIn(t.app, 'alice');
    const token = client.cookies.get('l4d2web_session') as string;
    const rows = await t.database.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.map((row) => row.id)).toContain(createHash('sha256').update(token).digest('hex'));
  });

  it('sets the cookie HttpOnly and SameSite=Lax, and Secure only behind HTTPS', async () => {
    const body = JSON.stringify({ username: 'alice', password });
    const cookieOf = async (app: TestApp, headers: Record<string, string>) => {
      const response = await app.app.inject({
        method: 'POST',
        url: '/login',
        payload: body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(response.statusCode).toBe(200);
      const cookie = String(response.headers['set-cookie']);
      expect(cookie).toMatch(/l4d2web_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      return cookie;
    };
    expect(await cookieOf(t, {})).not.toMatch(/Secure/i);
    // A client-sent X-Forwarded-Proto decides nothing without TRUST_PROXY.
    expect(await cookieOf(t, { 'x-forwarded-proto': 'https' })).not.toMatch(/Secure/i);

    const proxied = await startTestApp({
      dialect,
      databaseUrl: t.config.databaseUrl,
      env: { TRUST_PROXY: 'true' },
    });
    try {
      expect(await cookieOf(proxied, { 'x-forwarded-proto': 'https' })).toMatch(/Secure/i);
      expect(await cookieOf(proxied, {})).not.toMatch(/Secure/i);
      expect(await cookieOf(proxied, { 'x-forwarded-proto': 'http' })).not.toMatch(/Secure/i);
    } finally {
      await proxied.close();
    }
  });
});

describe.each(testDialects())('the first visit (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(() => t.close());

  /** A page's status, <title>, <h1>, its form's action and button, and its HTML. */
  const formPageAt = async (client: Client, url: string) => {
    const { statusCode, body } = await client.get(url);
    return {
      status: statusCode,
      title: /<title>([^<]*)<\/title>/.exec(body)?.[1],
      heading: /<h1>([^<]*)<\/h1>/.exec(body)?.[1],
      action: /<form method="post" action="([^"]*)" class="card narrow">/.exec(body)?.[1],
      button: /<button type="submit">([^<]*)<\/button>/.exec(body)?.[1],
      body,
    };
  };

  it("leads a fresh panel's first visitor from / and /login to the administrator account form", async () => {
    const browser = new Client(t.app, 'form');
    const home = await browser.get('/');
    expect([home.statusCode, home.headers.location]).toEqual([302, '/login']);
    const login = await browser.get('/login');
    expect([login.statusCode, login.headers.location]).toEqual([302, '/register']);
    const register = await formPageAt(browser, '/register');
    expect(register).toMatchObject({
      status: 200,
      title: 'Create the administrator account · l4d2web',
      heading: 'Create the administrator account',
      action: '/register',
      button: 'Create account',
    });
    expect(register.body).not.toContain('Log in');
    // Creating it signs the visitor in as the administrator, on the dashboard.
    const created = await browser.post('/register', { username: 'alice', password });
    expect([created.statusCode, created.headers.location]).toEqual([302, '/']);
    expect(await t.database.db.selectFrom('users').select(['username', 'role']).execute()).toEqual([
      { username: 'alice', role: 'admin' },
    ]);
    expect((await browser.get('/')).statusCode).toBe(200);
  });

  it('shows the usual login once an account exists, and closes registration', async () => {
    await signUp(t.app, 'alice');
    const visitor = new Client(t.app, 'form');
    const login = await formPageAt(visitor, '/login');
    expect(login).toMatchObject({
      status: 200,
      title: 'Log in · l4d2web',
      heading: 'Log in',
      action: '/login',
      button: 'Log in',
    });
    expect(login.body).not.toContain('/register');
    expect((await visitor.get('/register')).statusCode).toBe(403);
  });

  it("offers a plain account, not the administrator's, when registration is open and an admin exists", async () => {
    await t.close();
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
    await signUp(t.app, 'alice');
    const visitor = new Client(t.app, 'form');
    const login = await formPageAt(visitor, '/login');
    expect(login.status).toBe(200);
    expect(login.body).toContain('<a href="/register">Create one</a>');
    const register = await formPageAt(visitor, '/register');
    expect(register).toMatchObject({ status: 200, heading: 'Create an account', button: 'Create account' });
    expect(register.body).not.toContain('administrator');
  });
});

describe.each(testDialects())('pages behind the login (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(() => t.close());

  it.each(['/', '/servers', '/blueprints', '/servers/1', '/users'])(
    'redirects a browser from %s to /login',
    async (url) => {
      const response = await new Client(t.app, 'form').get(url);
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toBe('/login');
    },
  );

  it.each([
    ['GET', '/servers'],
    ['GET', '/blueprints/1'],
    ['POST', '/blueprints'],
    ['POST', '/servers/1/start'],
    ['DELETE', '/servers/1'],
  ] as const)('answers a script %s %s with 401 "login required"', async (method, url) => {
    const response = await new Client(t.app, 'json').request(
      method,
      url,
      method === 'GET' ? undefined : { name: 'x' },
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'login required' });
    expect(await t.database.db.selectFrom('blueprints').selectAll().execute()).toEqual([]);
  });

  it('serves the login page, its stylesheet and /healthz without a session', async () => {
    await signUp(t.app, 'alice');
    const browser = new Client(t.app, 'form');
    expect((await browser.get('/login')).statusCode).toBe(200);
    const css = await browser.get('/static/style.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    const health = await new Client(t.app, 'json').get('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
  });

  it('sends the helmet security headers', async () => {
    const response = await new Client(t.app, 'form').get('/login');
    expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    // same-origin, not no-referrer: under no-referrer browsers post forms with `Origin: null` (CSRF 403).
    expect(response.headers['referrer-policy']).toBe('same-origin');
  });
});
