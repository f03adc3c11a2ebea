import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  recordingSupervisor,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
  timestamp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('servers over JSON (%s)', (dialect) => {
  let t: TestApp;
  let supervisor: ReturnType<typeof recordingSupervisor>;
  let script: Client;
  let blueprintId: number;
  beforeEach(async () => {
    supervisor = { ...recordingSupervisor(), rcon: async (_id, command) => `ran ${command}` };
    t = await startTestApp({ dialect, supervisor });
    script = await signUp(t.app, 'alice');
    blueprintId = await createBlueprint(script);
  });
  afterEach(() => t.close());

  const ports = () => t.database.db.selectFrom('server_ports').selectAll().orderBy('port').execute();

  it('creates (201 {id}) a stopped server holding its game and client ports, and shows it', async () => {
    const created = await script.post('/servers', { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: expect.any(Number) });
    const { id } = created.json();
    const shown = await script.get(`/servers/${id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toStrictEqual({
      id,
      name: 'alpha',
      port: 27015,
      blueprint_id: blueprintId,
      desired_state: 'stopped',
      actual_state: 'unknown',
      last_error: '',
      node: '',
      restart_required: false,
      created_at: timestamp,
      updated_at: timestamp,
      live: null,
      access: 'owner',
      permissions: ['view', 'control', 'console', 'settings'],
    });
    expect((await script.get('/servers')).json()).toStrictEqual({ servers: [shown.json()] });
    expect(await ports()).toEqual([
      { port: 27005, server_id: id, purpose: 'client' },
      { port: 27015, server_id: id, purpose: 'game' },
    ]);
  });

  it('accepts the port as digits in a JSON string', async () => {
    const response = await script.post('/servers', {
      name: 'alpha',
      port: '27015',
      blueprint_id: String(blueprintId),
    });
    expect(response.statusCode).toBe(201);
  });

  it('never shows the rcon password, in JSON or in a page', async () => {
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const { rcon_password } = await t.database.db
      .selectFrom('servers')
      .select('rcon_password')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(rcon_password).toMatch(/^[A-Za-z0-9]{32}$/);
    const browser = await logIn(t.app, 'alice', 'form');
    const responses = [
      await script.get('/servers'),
      await script.get(`/servers/${id}`),
      await script.patch(`/servers/${id}`, { name: 'alpha 2' }),
      await script.post(`/servers/${id}/start`),
      await browser.get('/'),
      await browser.get('/servers'),
      await browser.get(`/servers/${id}`),
      await browser.get(`/blueprints/${blueprintId}`),
    ];
    for (const response of responses) {
      expect(response.statusCode).toBeLessThan(300);
      expect(response.body).not.toContain(rcon_password);
      expect(response.body).not.toContain('rcon_password');
    }
  });

  it('changes name, port and blueprint (200 Server) and frees the old ports', async () => {
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const otherBlueprint = await createBlueprint(script, { name: 'versus' });
    const response = await script.patch(`/servers/${id}`, {
      name: 'beta',
      port: 28015,
      blueprint_id: otherBlueprint,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id,
      name: 'beta',
      port: 28015,
      blueprint_id: otherBlueprint,
      live: null,
    });
    expect(await ports()).toEqual([
      { port: 28005, server_id: id, purpose: 'client' },
      { port: 28015, server_id: id, purpose: 'game' },
    ]);
    // 27015 and 27005 are free again.
    expect(
      (await script.post('/servers', { name: 'gamma', port: 27015, blueprint_id: blueprintId })).statusCode,
    ).toBe(201);
    expect(
      (await script.post('/servers', { name: 'delta', port: 27025, blueprint_id: blueprintId })).statusCode,
    ).toBe(409);
  });

  it('answers 409 "name already in use" on create and rename, changing nothing', async () => {
    await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const beta = await createServer(script, { name: 'beta', port: 28015, blueprint_id: blueprintId });
    const before = await snapshot(t.database);
    const created = await script.post('/servers', { name: 'alpha', port: 29015, blueprint_id: blueprintId });
    expect(created.statusCode).toBe(409);
    expect(created.json()).toEqual({ error: 'name already in use' });
    const renamed = await script.patch(`/servers/${beta}`, { name: 'alpha', port: 29015 });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.json()).toEqual({ error: 'name already in use' });
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('answers 409 "port already in use" when a change takes a port, changing nothing', async () => {
    await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const beta = await createServer(script, { name: 'beta', port: 28015, blueprint_id: blueprintId });
    const before = await snapshot(t.database);
    const same = await script.patch(`/servers/${beta}`, { port: 27015 });
    expect(same.statusCode).toBe(409);
    expect(same.json().error).toBe('port already in use');
    const derived = await script.patch(`/servers/${beta}`, { port: 27025, name: 'renamed' });
    expect(derived.statusCode).toBe(409);
    expect(derived.json().error).toBe('port already in use: port 27015 is the game port of server "alpha"');
    expect(await snapshot(t.database)).toEqual(before);
    // Keeping its own port is no clash.
    expect((await script.patch(`/servers/${beta}`, { port: 28015 })).statusCode).toBe(200);
  });

  it('starts, stops and restarts with 202 and the desired state, waking the supervisor', async () => {
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const start = await script.post(`/servers/${id}/start`);
    expect(start.statusCode).toBe(202);
    expect(start.json()).toMatchObject({ id, desired_state: 'running', actual_state: 'unknown' });
    const restart = await script.post(`/servers/${id}/restart`);
    expect(restart.statusCode).toBe(202);
    expect(restart.json().desired_state).toBe('running');
    const stop = await script.post(`/servers/${id}/stop`);
    expect(stop.statusCode).toBe(202);
    expect(stop.json().desired_state).toBe('stopped');
    expect(supervisor.calls).toEqual([`changed ${id}`, `restart ${id}`, `changed ${id}`]);
    const row = await t.database.db
      .selectFrom('servers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.desired_state).toBe('stopped');
  });

  it('answers 409 "stop the server before changing its port" while it should run', async () => {
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    await script.post(`/servers/${id}/start`);
    const before = await snapshot(t.database);
    const response = await script.patch(`/servers/${id}`, { port: 28015 });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'stop the server before changing its port' });
    expect(await snapshot(t.database)).toEqual(before);
    // Other changes are fine while it runs.
    expect((await script.patch(`/servers/${id}`, { name: 'renamed', port: 27015 })).statusCode).toBe(200);
    await script.post(`/servers/${id}/stop`);
    expect((await script.patch(`/servers/${id}`, { port: 28015 })).statusCode).toBe(200);
  });

  it('deletes (204), asking the supervisor to stop it first, and frees its ports', async () => {
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const response = await script.delete(`/servers/${id}`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(supervisor.calls).toEqual([`remove ${id}`]);
    expect(await t.database.db.selectFrom('servers').selectAll().execute()).toEqual([]);
    expect(await ports()).toEqual([]);
    expect((await script.get(`/servers/${id}`)).statusCode).toBe(404);
    await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const again = await createServer(script, { name: 'beta', port: 28015, blueprint_id: blueprintId });
    expect((await script.post(`/servers/${again}/delete`)).statusCode).toBe(204);
  });

  it('runs an rcon command (200 {output})', async () => {
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    const response = await script.post(`/servers/${id}/rcon`, { command: 'status' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ output: 'ran status' });
  });
});

describe.each(testDialects())('servers in the browser (%s)', (dialect) => {
  let t: TestApp;
  let browser: Client;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await signUp(t.app, 'alice');
    browser = await logIn(t.app, 'alice', 'form');
    expect(
      (await browser.post('/blueprints', { name: 'coop', arguments: '[]', config: '[]' })).statusCode,
    ).toBe(302);
  });
  afterEach(() => t.close());

  const row = () => t.database.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow();

  it('creates (302 /servers/:id), saves, starts, stops, restarts and deletes, with a notice each time', async () => {
    const created = await browser.post('/servers', { name: 'alpha', port: '27015', blueprint_id: '1' });
    expect(created.statusCode).toBe(302);
    const location = created.headers.location as string;
    expect(location).toMatch(/^\/servers\/\d+$/);
    let page = await browser.get(location);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Server created.');
    expect(page.body).toContain('value="alpha"');
    expect((await browser.get(location)).body).not.toContain('Server created.');

    const saved = await browser.post(location, { name: 'beta', port: '28015', blueprint_id: '1' });
    expect([saved.statusCode, saved.headers.location]).toEqual([302, location]);
    expect((await browser.get(location)).body).toContain('Server saved.');
    expect(await row()).toMatchObject({ name: 'beta', port: 28015 });

    for (const [action, desired, notice] of [
      ['start', 'running', 'Starting the server.'],
      ['stop', 'stopped', 'Stopping the server.'],
      ['restart', 'running', 'Restarting the server.'],
    ] as const) {
      const response = await browser.post(`${location}/${action}`, {});
      expect([response.statusCode, response.headers.location]).toEqual([302, location]);
      expect((await row()).desired_state).toBe(desired);
      expect((await browser.get(location)).body).toContain(notice);
    }

    const deleted = await browser.post(`${location}/delete`, {});
    expect([deleted.statusCode, deleted.headers.location]).toEqual([302, '/servers']);
    page = await browser.get('/servers');
    expect(page.body).toContain('Server beta deleted.');
    expect(await t.database.db.selectFrom('servers').selectAll().execute()).toEqual([]);
    expect(await t.database.db.selectFrom('server_ports').selectAll().execute()).toEqual([]);
  });

  it('refuses a port change of a server that should run, keeping the form', async () => {
    await browser.post('/servers', { name: 'alpha', port: '27015', blueprint_id: '1' });
    await browser.post('/servers/1/start', {});
    const before = await snapshot(t.database);
    const response = await browser.post('/servers/1', { name: 'alpha', port: '28015', blueprint_id: '1' });
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('stop the server before changing its port');
    expect(response.body).toContain('value="28015"');
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('lists servers on the dashboard and the servers page', async () => {
    await browser.post('/servers', { name: 'alpha', port: '27015', blueprint_id: '1' });
    for (const url of ['/', '/servers']) {
      const page = await browser.get(url);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<a href="/servers/1">alpha</a>');
    }
  });
});
