/**
 * Messages that must not leak (design/hardening.md): a port clash names the other server only when
 * the requester may see it, and no page or 409 shows the name of another user's server or blueprint.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  password,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const hidden = (port: number) => `port ${port} is in use by another user's server`;

describe.each(testDialects())("another user's servers stay unnamed (%s)", (dialect) => {
  let t: TestApp;
  let admin: Client;
  let bob: Client;
  let carol: Client;
  let carolBrowser: Client;
  let bobBlueprint: number;
  let carolBlueprint: number;
  let carolServer: number;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    admin = await signUp(t.app, 'admin');
    for (const username of ['bob', 'carol'])
      expect((await admin.post('/register', { username, password })).statusCode).toBe(201);
    bob = await logIn(t.app, 'bob');
    carol = await logIn(t.app, 'carol');
    carolBrowser = await logIn(t.app, 'carol', 'form');
    bobBlueprint = await createBlueprint(bob, { name: 'bob-secret-bp' });
    // bob's server binds 28015 and its client port 28005.
    await createServer(bob, { name: 'bob-secret', port: 28015, blueprint_id: bobBlueprint });
    carolBlueprint = await createBlueprint(carol, { name: 'carol-bp' });
    carolServer = await createServer(carol, {
      name: 'carol-server',
      port: 29015,
      blueprint_id: carolBlueprint,
    });
  });
  afterEach(() => t.close());

  it.each([
    ['the same game port', 28015, 28015],
    ["a game port whose client port is the other's game port", 28025, 28015],
    ["the other's client port", 28005, 28005],
  ])('answers 409 "port P is in use by another user\'s server" for %s', async (_what, port, clash) => {
    const before = await snapshot(t.database);
    const requests = [
      () => carol.post('/servers', { name: 'carol-new', port, blueprint_id: carolBlueprint }),
      () => carol.patch(`/servers/${carolServer}`, { port }),
    ];
    for (const send of requests) {
      const response = await send();
      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({ error: hidden(clash), fields: { port: hidden(clash) } });
    }
    for (const url of ['/servers', `/servers/${carolServer}`]) {
      const page = await carolBrowser.post(url, {
        name: 'carol-new',
        port: String(port),
        blueprint_id: String(carolBlueprint),
      });
      expect(page.statusCode).toBe(409);
      expect(page.body).toContain(hidden(clash));
      expect(page.body).not.toContain('bob-secret');
    }
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('names the holder to its owner and to an admin, as before', async () => {
    const adminBlueprint = await createBlueprint(admin, { name: 'admin-bp' });
    const before = await snapshot(t.database);
    for (const [client, blueprint_id] of [
      [bob, bobBlueprint],
      [admin, adminBlueprint],
    ] as const) {
      const same = await client.post('/servers', { name: 'second', port: 28015, blueprint_id });
      expect(same.statusCode).toBe(409);
      expect(same.json()).toEqual({
        error: 'port already in use',
        fields: { port: 'port 28015 is the game port of server "bob-secret"' },
      });
      const derived = await client.post('/servers', { name: 'second', port: 28025, blueprint_id });
      expect(derived.json().error).toBe(
        'port already in use: port 28015 is the game port of server "bob-secret"',
      );
      const onClient = await client.post('/servers', { name: 'second', port: 28005, blueprint_id });
      expect(onClient.json().error).toBe(
        'port already in use: port 28005 is the client port of server "bob-secret"',
      );
    }
    expect(await snapshot(t.database)).toEqual(before);
  });

  it("shows no name of another user's blueprint or server that an admin tied to the user's own", async () => {
    const adminBlueprint = await createBlueprint(admin, { name: 'admin-secret-bp' });
    // The admin moves carol's server onto the admin's blueprint, and an admin server onto carol's.
    expect((await admin.patch(`/servers/${carolServer}`, { blueprint_id: adminBlueprint })).statusCode).toBe(
      200,
    );
    await createServer(admin, { name: 'admin-secret-server', port: 30015, blueprint_id: carolBlueprint });
    const pages = [
      await carolBrowser.get(`/servers/${carolServer}`),
      await carolBrowser.get(`/blueprints/${carolBlueprint}`),
      await carolBrowser.post(`/blueprints/${carolBlueprint}/delete`, {}),
      await carolBrowser.get('/servers'),
      await carolBrowser.get('/'),
    ];
    expect(pages.map((page) => page.statusCode)).toEqual([200, 200, 409, 200, 200]);
    for (const page of pages) {
      expect(page.body).not.toContain('admin-secret-bp');
      expect(page.body).not.toContain('admin-secret-server');
    }
    const json = [
      await carol.get(`/servers/${carolServer}`),
      await carol.delete(`/blueprints/${carolBlueprint}`),
      await carol.get('/blueprints'),
    ];
    for (const response of json) expect(response.body).not.toMatch(/admin-secret/);
  });
});
