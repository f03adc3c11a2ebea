import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  createBlueprint,
  createServer,
  logIn,
  recordingSupervisor,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe.each(testDialects())('ownership (%s)', (dialect) => {
  let t: TestApp;
  let supervisor: ReturnType<typeof recordingSupervisor>;
  let alice: Client;
  let bob: Client;
  let aliceBlueprint: number;
  let aliceServer: number;
  let bobBlueprint: number;
  let bobServer: number;
  beforeEach(async () => {
    supervisor = recordingSupervisor();
    t = await startTestApp({ dialect, supervisor });
    alice = await signUp(t.app, 'alice');
    expect(
      (await alice.post('/register', { username: 'bob', password: 'correct horse battery' })).statusCode,
    ).toBe(201);
    bob = await logIn(t.app, 'bob');
    aliceBlueprint = await createBlueprint(alice, { name: 'alice-bp', arguments: ['-tickrate 60'] });
    aliceServer = await createServer(alice, {
      name: 'alice-server',
      port: 27015,
      blueprint_id: aliceBlueprint,
    });
    bobBlueprint = await createBlueprint(bob, { name: 'bob-bp' });
    bobServer = await createServer(bob, { name: 'bob-server', port: 28015, blueprint_id: bobBlueprint });
    supervisor.calls.length = 0;
  });
  afterEach(() => t.close());

  it("answers 404 on every route for another user's blueprint or server, and changes nothing", async () => {
    const s = `/servers/${aliceServer}`;
    const b = `/blueprints/${aliceBlueprint}`;
    const form = { name: 'stolen', port: '29015', blueprint_id: String(aliceBlueprint) };
    // [mode, method, url, body, message]; null: the route may not exist yet, so only 404 is asserted.
    type Route = ['json' | 'form', Method, string, unknown, string | null];
    const routes: Route[] = [
      ['json', 'GET', s, undefined, 'server not found'],
      ['form', 'GET', s, undefined, 'server not found'],
      ['form', 'POST', s, form, 'server not found'],
      ['json', 'PATCH', s, { name: 'stolen' }, 'server not found'],
      ['json', 'PATCH', s, { port: 29015 }, 'server not found'],
      ['json', 'DELETE', s, undefined, 'server not found'],
      ['json', 'POST', `${s}/delete`, undefined, 'server not found'],
      ['form', 'POST', `${s}/delete`, {}, 'server not found'],
      ...['start', 'stop', 'restart'].flatMap((action): Route[] => [
        ['json', 'POST', `${s}/${action}`, undefined, 'server not found'],
        ['form', 'POST', `${s}/${action}`, {}, 'server not found'],
      ]),
      ['json', 'POST', `${s}/rcon`, { command: 'status' }, 'server not found'],
      ['form', 'POST', `${s}/rcon`, { command: 'status' }, 'server not found'],
      ['json', 'GET', `${s}/events`, undefined, null],
      ['json', 'GET', b, undefined, 'blueprint not found'],
      ['form', 'GET', b, undefined, 'blueprint not found'],
      ['form', 'POST', b, { name: 'stolen', arguments: '', config: '' }, 'blueprint not found'],
      ['json', 'PATCH', b, { name: 'stolen' }, 'blueprint not found'],
      ['json', 'DELETE', b, undefined, 'blueprint not found'],
      ['json', 'POST', `${b}/delete`, undefined, 'blueprint not found'],
      ['form', 'POST', `${b}/delete`, {}, 'blueprint not found'],
      [
        'json',
        'POST',
        '/servers',
        { name: 'mine', port: 29015, blueprint_id: aliceBlueprint },
        'blueprint not found',
      ],
      ['form', 'POST', '/servers', form, 'blueprint not found'],
      ['json', 'PATCH', `/servers/${bobServer}`, { blueprint_id: aliceBlueprint }, 'blueprint not found'],
    ];
    const browser = await logIn(t.app, 'bob', 'form');
    const before = await snapshot(t.database);
    for (const [mode, method, url, body, message] of routes) {
      const client = mode === 'json' ? bob : browser;
      const response = await client.request(method, url, body);
      const what = `${mode} ${method} ${url}`;
      expect(response.statusCode, what).toBe(404);
      if (message === null) continue;
      if (mode === 'json') expect(response.json(), what).toEqual({ error: message });
      else expect(response.body, what).toContain(message);
      // Nothing of alice's leaks into the page.
      expect(response.body, what).not.toContain('alice-server');
      expect(response.body, what).not.toContain('alice-bp');
    }
    expect(await snapshot(t.database)).toEqual(before);
    expect(supervisor.calls).toEqual([]);
  });

  it("answers exactly as for a missing one, so another user's ids cannot be probed", async () => {
    const other = await bob.get(`/servers/${aliceServer}`);
    const missing = await bob.get('/servers/999');
    expect([other.statusCode, other.body]).toEqual([missing.statusCode, missing.body]);
  });

  it("lists only the user's own blueprints and servers", async () => {
    expect((await bob.get('/servers')).json().servers.map((s: { name: string }) => s.name)).toEqual([
      'bob-server',
    ]);
    expect((await bob.get('/blueprints')).json().blueprints.map((b: { name: string }) => b.name)).toEqual([
      'bob-bp',
    ]);
    const browser = await logIn(t.app, 'bob', 'form');
    for (const url of ['/', '/servers', '/blueprints']) {
      const page = await browser.get(url);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('alice-server');
      expect(page.body).not.toContain('alice-bp');
    }
  });

  it('lets two users use the same blueprint name', async () => {
    expect((await bob.post('/blueprints', { name: 'alice-bp' })).statusCode).toBe(201);
  });

  it('hides the users page from a non-admin', async () => {
    expect((await bob.get('/users')).statusCode).toBe(404);
    expect((await new Client(t.app, 'json').get('/users')).statusCode).toBe(401);
  });

  it('lets an admin see and manage everything', async () => {
    const servers = (await alice.get('/servers')).json().servers.map((s: { name: string }) => s.name);
    expect(servers).toEqual(['alice-server', 'bob-server']);
    const blueprints = (await alice.get('/blueprints'))
      .json()
      .blueprints.map((b: { name: string }) => b.name);
    expect(blueprints).toEqual(['alice-bp', 'bob-bp']);
    expect((await alice.get(`/servers/${bobServer}`)).json().name).toBe('bob-server');
    expect((await alice.get(`/blueprints/${bobBlueprint}`)).json().name).toBe('bob-bp');
    const page = await (await logIn(t.app, 'alice', 'form')).get(`/servers/${bobServer}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('bob-server');
    const stopped = await alice.post(`/servers/${bobServer}/stop`);
    expect(stopped.statusCode).toBe(202);
  });
});
