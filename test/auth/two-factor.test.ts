import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE, SecretKey } from '../../src/auth/secret-key.js';
import { Client, password, signUp, snapshot, startTestApp, type TestApp, tempDir } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const STEP_MS = 30_000;

/** The code of the step `steps` away from now, as an authenticator app would show it. */
const codeAt = (secret: string, steps = 0) =>
  new TOTP({ secret }).generate({ timestamp: Date.now() + steps * STEP_MS });

/** Waits out the last 3 s of a time step, so a code made now is judged in the same step by the panel. */
async function awayFromStepEdge() {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < 3_000) await sleep(left + 100);
}

describe.each(testDialects())('two-factor sign-in (%s)', (dialect) => {
  let t: TestApp;
  let alice: Client;

  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
    alice = await signUp(t.app, 'alice');
  });
  afterEach(() => t.close());

  /** Turns two-factor sign-in on for alice; returns the secret and the recovery codes. */
  async function turnOn() {
    const setup = await alice.post('/account/totp');
    expect(setup.statusCode).toBe(200);
    const { secret } = setup.json();
    await awayFromStepEdge();
    const confirmed = await alice.post('/account/totp/confirm', { code: codeAt(secret) });
    expect(confirmed.statusCode).toBe(200);
    return { secret: secret as string, recoveryCodes: confirmed.json().recovery_codes as string[] };
  }

  const login = (body: Record<string, unknown>) =>
    new Client(t.app, 'json').post('/login', { username: 'alice', password, ...body });

  it('sets up with a secret, its otpauth URI and an SVG QR code; active only once a code confirms it', async () => {
    const setup = await alice.post('/account/totp');
    expect(setup.statusCode).toBe(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    const { secret, otpauth_uri, qr_svg } = setup.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauth_uri);
    expect([uri.protocol, uri.host, decodeURIComponent(uri.pathname)]).toEqual([
      'otpauth:',
      'totp',
      '/l4d2web:alice',
    ]);
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'l4d2web',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect(qr_svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="[\d ]+">.*<\/svg>$/s);
    // Not active yet: signing in needs no code, and the account says so.
    expect((await alice.get('/account')).json().totp_enabled).toBe(false);
    expect((await login({})).statusCode).toBe(200);

    const before = await snapshot(t.database);
    const wrong = await alice.post('/account/totp/confirm', { code: codeAt(secret, -3) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().fields).toEqual({ code: 'is not the current code of your authenticator app' });
    expect(await snapshot(t.database)).toEqual(before);

    await awayFromStepEdge();
    const confirmed = await alice.post('/account/totp/confirm', { code: codeAt(secret) });
    expect(confirmed.statusCode).toBe(200);
    const codes = confirmed.json().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect((await alice.get('/account')).json()).toMatchObject({ username: 'alice', totp_enabled: true });
    const again = await alice.post('/account/totp');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: 'two-factor sign-in is already on' });
  });

  it('keeps the secret encrypted with a key file in DATA_DIR (0600), and the recovery codes hashed', async () => {
    const { secret, recoveryCodes } = await turnOn();
    const keyFile = path.join(t.dataDir, SECRET_KEY_FILE);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const row = await t.database.db.selectFrom('user_totp').selectAll().executeTakeFirstOrThrow();
    const everything = JSON.stringify(await snapshot(t.database));
    expect(everything).not.toContain(secret);
    for (const code of recoveryCodes) expect(everything).not.toContain(code);
    expect(new SecretKey(t.dataDir).decrypt(row.secret, `totp:${row.user_id}`)).toBe(secret);
    // The database alone opens nothing: another panel's key, or this ciphertext on another user, fail.
    const elsewhere = tempDir();
    expect(new SecretKey(elsewhere).decrypt(row.secret, `totp:${row.user_id}`)).toBeNull();
    expect(new SecretKey(t.dataDir).decrypt(row.secret, `totp:${row.user_id + 1}`)).toBeNull();
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });

  it('JSON sign-in: 401 "code required" without a code; the previous step’s code passes, two steps back fails', async () => {
    const { secret } = await turnOn();
    const before = await snapshot(t.database);
    const bare = await login({});
    expect(bare.statusCode).toBe(401);
    expect(bare.json()).toEqual({ error: 'code required' });
    expect(bare.headers['set-cookie']).toBeUndefined();
    expect(await snapshot(t.database)).toEqual(before);

    await awayFromStepEdge();
    const old = await login({ code: codeAt(secret, -2) });
    expect(old.statusCode).toBe(401);
    expect(old.json()).toEqual({ error: 'invalid two-factor code' });
    expect(old.headers['set-cookie']).toBeUndefined();
    const previous = await login({ code: codeAt(secret, -1) });
    expect(previous.statusCode).toBe(200);
    expect(previous.json()).toEqual({ id: expect.any(Number), username: 'alice', role: 'admin' });
    expect(previous.cookies.map((cookie) => cookie.name)).toContain('l4d2web_session');
    // A code signs in once (RFC 6238, 5.2): the same one again is refused.
    expect((await login({ code: codeAt(secret, -1) })).statusCode).toBe(401);
    expect((await login({ code: codeAt(secret) })).statusCode).toBe(200);
    // A wrong password stays the same answer, code or not.
    const wrongPassword = await login({ password: 'not the password', code: codeAt(secret, 1) });
    expect(wrongPassword.json()).toEqual({ error: 'invalid username or password' });
  });

  it('each recovery code signs in once, typed any way', async () => {
    const { recoveryCodes } = await turnOn();
    const [first = '', second = ''] = recoveryCodes;
    expect((await login({ code: first })).statusCode).toBe(200);
    const reused = await login({ code: first });
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toEqual({ error: 'invalid two-factor code' });
    expect((await login({ code: second.toUpperCase().replaceAll('-', ' ') })).statusCode).toBe(200);
    expect((await login({ code: second })).statusCode).toBe(401);
    const used = await t.database.db
      .selectFrom('recovery_codes')
      .select('used_at')
      .where('used_at', 'is not', null)
      .execute();
    expect(used).toHaveLength(2);
    // The account page counts what is left.
    const browser = new Client(t.app, 'form');
    expect(
      (await browser.post('/login', { username: 'alice', password, code: recoveryCodes[2] })).statusCode,
    ).toBe(302);
    expect((await browser.get('/account')).body).toContain('7 of 10 recovery codes left.');
  });

  it('wrong codes count toward the login limiter: after five, even the right code waits (429)', async () => {
    const { secret } = await turnOn();
    for (let i = 0; i < 5; i++) expect((await login({ code: '000000' })).statusCode).toBe(401);
    await awayFromStepEdge();
    const limited = await login({ code: codeAt(secret) });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatch(/^too many failed logins, try again in \d+ seconds$/);
  });

  it('a form asks for the code in a second step that holds no password; a wrong code shows that step again', async () => {
    const { secret } = await turnOn();
    const browser = new Client(t.app, 'form');
    const first = await browser.post('/login', { username: 'alice', password });
    expect(first.statusCode).toBe(200);
    expect(browser.cookies.has('l4d2web_session')).toBe(false);
    expect(first.body).toContain('action="/login/code"');
    expect(first.body).not.toContain(password);
    expect(first.body).not.toContain('type="password"');
    const loginToken = /name="login_token" value="([^"]+)"/.exec(first.body)?.[1] ?? '';
    expect(loginToken).not.toBe('');

    const wrong = await browser.post('/login/code', { login_token: loginToken, code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('invalid two-factor code');
    expect(wrong.body).toContain(`value="${loginToken}"`);
    expect(browser.cookies.has('l4d2web_session')).toBe(false);

    const forged = await browser.post('/login/code', {
      login_token: `${loginToken.slice(0, -2)}xx`,
      code: '123456',
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.body).toContain('the sign-in expired: enter your password again');
    expect(forged.body).toContain('action="/login"');

    await awayFromStepEdge();
    const done = await browser.post('/login/code', { login_token: loginToken, code: codeAt(secret) });
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe('/');
    expect((await browser.get('/')).statusCode).toBe(200);
  });

  it('the second step’s token dies with a password change', async () => {
    await turnOn();
    const browser = new Client(t.app, 'form');
    const first = await browser.post('/login', { username: 'alice', password });
    const loginToken = /name="login_token" value="([^"]+)"/.exec(first.body)?.[1] ?? '';
    expect(
      (
        await alice.post('/account/password', {
          current_password: password,
          new_password: 'another password',
        })
      ).statusCode,
    ).toBe(204);
    const late = await browser.post('/login/code', { login_token: loginToken, code: '123456' });
    expect(late.statusCode).toBe(401);
    expect(late.body).toContain('the sign-in expired');
  });

  it('turns off with a current code (a wrong one changes nothing); then signing in needs no code', async () => {
    const { secret } = await turnOn();
    const before = await snapshot(t.database);
    const wrong = await alice.delete('/account/totp');
    expect(wrong.statusCode).toBe(400);
    const bad = await alice.request('DELETE', '/account/totp', { code: '000000' });
    expect(bad.statusCode).toBe(400);
    expect(await snapshot(t.database)).toEqual(before);
    await awayFromStepEdge();
    expect((await alice.request('DELETE', '/account/totp', { code: codeAt(secret) })).statusCode).toBe(204);
    expect((await alice.get('/account')).json().totp_enabled).toBe(false);
    expect(await t.database.db.selectFrom('recovery_codes').selectAll().execute()).toEqual([]);
    expect((await login({})).statusCode).toBe(200);
    const notOn = await alice.request('DELETE', '/account/totp', { code: codeAt(secret) });
    expect(notOn.statusCode).toBe(409);
    expect(notOn.json()).toEqual({ error: 'two-factor sign-in is not on' });
  });

  it('an admin can turn a user’s two-factor sign-in off (lost phone and codes)', async () => {
    await turnOn();
    const bob = await signUp(t.app, 'bob');
    const aliceId = (await alice.get('/account')).json().id;
    expect((await bob.patch(`/users/${aliceId}`, { totp_enabled: false })).statusCode).toBe(404);
    const admin = await signUp(t.app, 'carol');
    await t.database.db.updateTable('users').set({ role: 'admin' }).where('username', '=', 'carol').execute();
    const refused = await admin.patch(`/users/${aliceId}`, { totp_enabled: true });
    expect(refused.statusCode).toBe(400);
    const off = await admin.patch(`/users/${aliceId}`, { totp_enabled: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ username: 'alice', totp_enabled: false });
    expect((await login({})).statusCode).toBe(200);
  });
});
