import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { parseHost } from '../../src/config/host-name.js';
import { hostAllowList, isLoopbackAddress } from '../../src/http/hosts.js';
import { Client, signUp, snapshot, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const refusal = (name: string) => `unknown host ${name}: set PUBLIC_URL or ALLOWED_HOSTS`;

/** Whether a panel with this environment answers to this Host header. */
function answers(env: Record<string, string>, host: string): boolean {
  const parsed = parseHost(host);
  return parsed !== null && hostAllowList(loadConfig(env))(parsed);
}

describe('which Host names the panel answers to', () => {
  it.each([
    'localhost',
    'localhost:8080',
    'LOCALHOST:1',
    '127.0.0.1',
    '127.0.0.1:8080',
    '[::1]',
    '[::1]:8080',
  ])('answers to %s on loopback, without configuration', (host) => {
    expect(answers({}, host)).toBe(true);
  });

  it.each([
    'evil.example',
    'evil.example:8080',
    'localhost.evil.example',
    '127.0.0.1.evil.example',
    '192.168.1.10:8080',
    '[fe80::1]:8080',
    '127.0.0.2:8080',
    '0.0.0.0:8080',
    '',
    'local host',
    '[::1',
    '[evil]:80',
    'panel.lan:99999',
  ])('refuses %s on loopback, without configuration', (host) => {
    expect(answers({}, host)).toBe(false);
  });

  it('answers to the host of PUBLIC_URL (any port) and to each ALLOWED_HOSTS entry', () => {
    const env = {
      PUBLIC_URL: 'https://Panel.Example.com',
      ALLOWED_HOSTS: 'panel.lan, 10.0.0.5 ,box:9000,[fd00::1]',
    };
    for (const host of [
      'panel.example.com',
      'PANEL.example.com:443',
      'panel.lan',
      'panel.lan:8080',
      '10.0.0.5:8080',
    ])
      expect(answers(env, host), host).toBe(true);
    for (const host of ['box:9000', '[fd00::1]:8080', 'localhost'])
      expect(answers(env, host), host).toBe(true);
    // An entry with a port allows that port only; a name is not a suffix pattern.
    for (const host of ['box', 'box:8080', 'evil.panel.lan', 'example.com', '10.0.0.6'])
      expect(answers(env, host), host).toBe(false);
  });

  it('answers to any IP literal when HOST is not loopback, never to an unknown name', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.10']) {
      for (const host of ['192.168.1.10:8080', '10.1.2.3', '[fe80::1]:8080', '[2001:db8::5]', '127.0.0.1'])
        expect(answers({ HOST }, host), `${HOST} ${host}`).toBe(true);
      for (const host of ['evil.example', '192.168.1.10.nip.io', 'evil.example:8080'])
        expect(answers({ HOST }, host), `${HOST} ${host}`).toBe(false);
    }
    for (const HOST of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      expect(answers({ HOST }, '192.168.1.10:8080'), HOST).toBe(false);
    }
    // HOST itself is a name the operator chose.
    expect(answers({ HOST: '127.0.0.2' }, '127.0.0.2:8080')).toBe(true);
    expect(answers({ HOST: 'panel.lan' }, 'panel.lan:8080')).toBe(true);
  });

  it('knows loopback listen addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackAddress(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'panel.lan', '::ffff:10.0.0.1'])
      expect(isLoopbackAddress(host)).toBe(false);
  });
});

describe.each(testDialects())('Host checking on the app (%s)', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const evil = { host: 'evil.example' };

  it('refuses POST /register from a rebinding page on a fresh panel: 421, no account', async () => {
    t = await startTestApp({ dialect });
    const before = await snapshot(t.database);
    const json = await new Client(t.app, 'json').request(
      'POST',
      '/register',
      { username: 'mallory', password: 'correct horse battery' },
      evil,
    );
    expect(json.statusCode).toBe(421);
    expect(json.json()).toEqual({ error: refusal('evil.example') });
    expect(json.headers['set-cookie']).toBeUndefined();
    const form = await new Client(t.app, 'form').request(
      'POST',
      '/register',
      { username: 'mallory', password: 'correct horse battery' },
      { host: 'evil.example:8080', origin: 'http://evil.example:8080' },
    );
    expect(form.statusCode).toBe(421);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.body).toContain(refusal('evil.example'));
    expect(await snapshot(t.database)).toEqual(before);
    expect(before.users).toEqual([]);
  });

  it('refuses pages and JSON to a signed-in user under an unknown Host, escaping the name', async () => {
    t = await startTestApp({ dialect });
    const json = await signUp(t.app, 'alice');
    const browser = new Client(t.app, 'form');
    browser.cookies = json.cookies;
    for (const url of ['/', '/servers', '/blueprints', '/login', '/static/style.css', '/nowhere']) {
      const page = await browser.request('GET', url, undefined, evil);
      expect(page.statusCode, url).toBe(421);
      const answer = await json.request('GET', url, undefined, evil);
      expect(answer.statusCode, url).toBe(421);
      expect(answer.json(), url).toEqual({ error: refusal('evil.example') });
    }
    const page = await browser.request('GET', '/', undefined, { host: '<b>evil</b>.example' });
    expect(page.statusCode).toBe(421);
    expect(page.body).toContain('unknown host &lt;b');
    expect(page.body).not.toContain('<b>evil');
    // The panel still answers its own names.
    expect((await json.request('GET', '/servers', undefined, { host: '[::1]:8080' })).statusCode).toBe(200);
  });

  it('answers /healthz whatever the Host', async () => {
    t = await startTestApp({ dialect });
    const response = await t.app.inject({ url: '/healthz', headers: evil });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers PUBLIC_URL, ALLOWED_HOSTS and, on a non-loopback HOST, IP literals', async () => {
    t = await startTestApp({
      dialect,
      env: { HOST: '0.0.0.0', PUBLIC_URL: 'https://panel.example.com', ALLOWED_HOSTS: 'panel.lan' },
    });
    for (const host of [
      'panel.example.com',
      'panel.lan:8080',
      '192.168.1.10:8080',
      '[fd00::1]:8080',
      'localhost',
    ]) {
      const response = await t.app.inject({ url: '/register', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
    const refused = await t.app.inject({
      url: '/register',
      headers: { host: 'evil.example', accept: 'application/json' },
    });
    expect(refused.statusCode).toBe(421);
  });

  it('checks the forwarded host behind a trusted proxy, and ignores it otherwise', async () => {
    t = await startTestApp({
      dialect,
      env: { TRUST_PROXY: 'true', PUBLIC_URL: 'https://panel.example.com' },
    });
    const forwarded = (name: string) =>
      t?.app.inject({ url: '/register', headers: { host: '127.0.0.1:8080', 'x-forwarded-host': name } });
    expect((await forwarded('panel.example.com'))?.statusCode).toBe(200);
    expect((await forwarded('evil.example'))?.statusCode).toBe(421);
    await t.close();
    t = await startTestApp({ dialect });
    const ignored = await t.app.inject({
      url: '/register',
      headers: { host: 'localhost:8080', 'x-forwarded-host': 'evil.example' },
    });
    expect(ignored.statusCode).toBe(200);
  });

  it('refuses a rebinding request over the wire (a browser sends the name it resolved)', async () => {
    t = await startTestApp({ dialect });
    const address = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port: address.port, path: '/', headers: { host, accept: 'application/json' } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end();
      });
    expect(await status(`evil.example:${address.port}`)).toBe(421);
    expect(await status(`localhost:${address.port}`)).toBe(401);
  });
});
