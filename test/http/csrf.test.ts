import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, createBlueprint, signUp, snapshot, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('cross-site request refusal (%s)', (dialect) => {
  let t: TestApp;
  let script: Client;
  let blueprintId: number;
  beforeEach(async () => {
    // The panel answers to panel.example (the Host check, test/http/hosts.test.ts) and is reached
    // through a proxy at https://proxied.example that passes it Host: 127.0.0.1:8080.
    t = await startTestApp({
      dialect,
      env: { ALLOWED_HOSTS: 'panel.example', PUBLIC_URL: 'https://proxied.example' },
    });
    script = await signUp(t.app, 'alice');
    blueprintId = await createBlueprint(script);
  });
  afterEach(() => t.close());

  const host = { host: 'panel.example:8080' };

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['a foreign Origin', { origin: 'http://evil.example' }],
    ['an Origin on another port', { ...host, origin: 'http://panel.example:9090' }],
    ['an https Origin to a plain-http panel', { ...host, origin: 'https://panel.example:8080' }],
    ['Origin: null', { origin: 'null' }],
  ])('refuses an unsafe request with %s: 403, nothing changed', async (_what, headers) => {
    const before = await snapshot(t.database);
    for (const [method, url, body] of [
      ['POST', '/blueprints', { name: 'evil' }],
      ['DELETE', `/blueprints/${blueprintId}`, undefined],
      ['PATCH', `/blueprints/${blueprintId}`, { name: 'renamed' }],
      ['POST', '/logout', undefined],
    ] as const) {
      const response = await script.request(method, url, body, headers);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json()).toEqual({ error: 'cross-site request refused' });
    }
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('refuses a cross-site login form post with a 403 page', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/login',
      payload: 'username=alice&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('cross-site request refused');
  });

  it('lets a same-origin Origin through', async () => {
    const response = await script.request(
      'POST',
      '/blueprints',
      { name: 'mine' },
      { ...host, origin: 'http://panel.example:8080' },
    );
    expect(response.statusCode).toBe(201);
  });

  it('lets a same-origin Origin through behind an HTTPS proxy', async () => {
    const headers = { host: 'panel.example', origin: 'https://panel.example', 'x-forwarded-proto': 'https' };
    const response = await script.request('POST', '/blueprints', { name: 'mine' }, headers);
    expect(response.statusCode).toBe(201);
  });

  it('lets the PUBLIC_URL origin through, whatever Host the proxy passes', async () => {
    const headers = { host: '127.0.0.1:8080', origin: 'https://proxied.example' };
    const response = await script.request('POST', '/blueprints', { name: 'mine' }, headers);
    expect(response.statusCode).toBe(201);
    const plain = { host: '127.0.0.1:8080', origin: 'http://proxied.example' };
    expect((await script.request('POST', '/blueprints', { name: 'other' }, plain)).statusCode).toBe(403);
  });

  it('takes the origin from a trusted proxy’s X-Forwarded-Host and X-Forwarded-Proto', async () => {
    const proxied = await startTestApp({
      dialect,
      databaseUrl: t.config.databaseUrl,
      env: { TRUST_PROXY: 'true', ALLOWED_HOSTS: 'panel.example' },
    });
    try {
      const client = new Client(proxied.app, 'json');
      client.cookies = script.cookies;
      const forwarded = {
        host: '127.0.0.1:8080',
        'x-forwarded-host': 'panel.example',
        'x-forwarded-proto': 'https',
      };
      const same = await client.request(
        'POST',
        '/blueprints',
        { name: 'mine' },
        { ...forwarded, origin: 'https://panel.example' },
      );
      expect(same.statusCode).toBe(201);
      const other = await client.request(
        'POST',
        '/blueprints',
        { name: 'x' },
        { ...forwarded, origin: 'https://127.0.0.1:8080' },
      );
      expect(other.statusCode).toBe(403);
    } finally {
      await proxied.close();
    }
  });

  it('lets Sec-Fetch-Site: same-origin through', async () => {
    const response = await script.request(
      'POST',
      '/blueprints',
      { name: 'mine' },
      { 'sec-fetch-site': 'same-origin' },
    );
    expect(response.statusCode).toBe(201);
  });

  it('lets a script that sends neither header through', async () => {
    const response = await script.post('/blueprints', { name: 'mine' });
    expect(response.statusCode).toBe(201);
  });

  it('lets a GET through whatever its headers', async () => {
    const headers = { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' };
    const response = await script.request('GET', `/blueprints/${blueprintId}`, undefined, headers);
    expect(response.statusCode).toBe(200);
    expect(response.json().name).toBe('coop');
  });
});
