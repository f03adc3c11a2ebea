import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
  timestamp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('blueprints over JSON (%s)', (dialect) => {
  let t: TestApp;
  let script: Client;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    script = await signUp(t.app, 'alice');
  });
  afterEach(() => t.close());

  it('creates (201 {id}), shows, lists, changes (200) and deletes (204) a blueprint', async () => {
    const body = {
      name: 'versus',
      arguments: ['+map c5m1_waterfront', '-tickrate 60'],
      config: ['sv_maxplayers 8'],
    };
    const created = await script.post('/blueprints', body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: expect.any(Number) });
    const { id } = created.json();

    const shown = await script.get(`/blueprints/${id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toStrictEqual({
      id,
      ...body,
      cpu_limit: null,
      memory_limit_mb: null,
      addons: [],
      sourcemod: { enabled: false, admins: [], plugins: [] },
      created_at: timestamp,
      updated_at: timestamp,
    });

    expect((await script.get('/blueprints')).json()).toStrictEqual({ blueprints: [shown.json()] });

    const changed = await script.patch(`/blueprints/${id}`, { name: 'coop', config: [] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toStrictEqual({
      ...shown.json(),
      name: 'coop',
      config: [],
      updated_at: timestamp,
    });
    const row = await t.database.db
      .selectFrom('blueprints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect([row.name, JSON.parse(row.arguments), JSON.parse(row.config)]).toEqual([
      'coop',
      body.arguments,
      [],
    ]);

    const deleted = await script.delete(`/blueprints/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await script.get(`/blueprints/${id}`)).statusCode).toBe(404);
    expect(await t.database.db.selectFrom('blueprints').selectAll().execute()).toEqual([]);
  });

  it('defaults arguments and config to empty lists', async () => {
    const id = await createBlueprint(script, { name: 'bare', arguments: undefined, config: undefined });
    expect((await script.get(`/blueprints/${id}`)).json()).toMatchObject({ arguments: [], config: [] });
  });

  it('deletes through POST /blueprints/:id/delete too', async () => {
    const id = await createBlueprint(script);
    expect((await script.post(`/blueprints/${id}/delete`)).statusCode).toBe(204);
    expect(await t.database.db.selectFrom('blueprints').selectAll().execute()).toEqual([]);
  });

  it('answers 409 "blueprint name already in use" on create and on rename, changing nothing', async () => {
    await createBlueprint(script, { name: 'coop' });
    const other = await createBlueprint(script, { name: 'versus' });
    const before = await snapshot(t.database);
    const created = await script.post('/blueprints', { name: 'coop' });
    expect(created.statusCode).toBe(409);
    expect(created.json()).toEqual({ error: 'blueprint name already in use' });
    const renamed = await script.patch(`/blueprints/${other}`, { name: 'coop', config: ['sv_cheats 0'] });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.json()).toEqual({ error: 'blueprint name already in use' });
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('answers 409 "blueprint is used by N servers" and keeps a blueprint in use', async () => {
    const id = await createBlueprint(script);
    await createServer(script, { name: 'one', port: 27015, blueprint_id: id });
    let before = await snapshot(t.database);
    let response = await script.delete(`/blueprints/${id}`);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'blueprint is used by 1 servers' });
    expect(await snapshot(t.database)).toEqual(before);

    await createServer(script, { name: 'two', port: 28015, blueprint_id: id });
    before = await snapshot(t.database);
    response = await script.post(`/blueprints/${id}/delete`);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'blueprint is used by 2 servers' });
    expect(await snapshot(t.database)).toEqual(before);
  });
});

describe.each(testDialects())('blueprints in the browser (%s)', (dialect) => {
  let t: TestApp;
  let browser: Client;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await signUp(t.app, 'alice');
    browser = await logIn(t.app, 'alice', 'form');
  });
  afterEach(() => t.close());

  const row = (id: number) =>
    t.database.db.selectFrom('blueprints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('creates from a form with a JSON array and with one item per line, then redirects with a notice', async () => {
    const created = await browser.post('/blueprints', {
      name: 'versus',
      arguments: '["+map c5m1_waterfront", "-tickrate 60"]',
      config: 'hostname "My server"\r\n\r\n  sv_maxplayers 8  \n',
    });
    expect(created.statusCode).toBe(302);
    const location = created.headers.location as string;
    expect(location).toMatch(/^\/blueprints\/\d+$/);
    const id = Number(location.split('/').pop());
    const saved = await row(id);
    expect(JSON.parse(saved.arguments)).toEqual(['+map c5m1_waterfront', '-tickrate 60']);
    expect(JSON.parse(saved.config)).toEqual(['hostname "My server"', 'sv_maxplayers 8']);

    const page = await browser.get(location);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Blueprint created.');
    // The form shows the lists one item per line.
    expect(page.body).toContain('+map c5m1_waterfront\n-tickrate 60</textarea>');
    // The notice is shown once.
    expect((await browser.get(location)).body).not.toContain('Blueprint created.');
  });

  it('accepts the seed\'s "[]" and empty text as empty lists', async () => {
    for (const [name, text] of [
      ['a', '[]'],
      ['b', ''],
    ]) {
      const response = await browser.post('/blueprints', { name, arguments: text, config: text });
      expect(response.statusCode).toBe(302);
      const saved = await row(Number((response.headers.location as string).split('/').pop()));
      expect([saved.arguments, saved.config]).toEqual(['[]', '[]']);
    }
  });

  it('saves from the edit form (302 back to it) and deletes (302 /blueprints)', async () => {
    const id = Number(
      (await browser.post('/blueprints', { name: 'coop', arguments: '', config: '' })).headers.location
        ?.split('/')
        .pop(),
    );
    const saved = await browser.post(`/blueprints/${id}`, {
      name: 'coop 2',
      arguments: '-insecure',
      config: 'sv_cheats 0',
    });
    expect(saved.statusCode).toBe(302);
    expect(saved.headers.location).toBe(`/blueprints/${id}`);
    expect((await browser.get(`/blueprints/${id}`)).body).toContain('Blueprint saved.');
    expect(await row(id)).toMatchObject({
      name: 'coop 2',
      arguments: '["-insecure"]',
      config: '["sv_cheats 0"]',
    });

    const deleted = await browser.post(`/blueprints/${id}/delete`, {});
    expect(deleted.statusCode).toBe(302);
    expect(deleted.headers.location).toBe('/blueprints');
    const list = await browser.get('/blueprints');
    expect(list.body).toContain('Blueprint deleted.');
    expect(list.body).not.toContain('coop 2');
  });

  it('shows the 409 of a blueprint in use on its page', async () => {
    const script = await logIn(t.app, 'alice');
    const id = await createBlueprint(script);
    await createServer(script, { name: 'one', port: 27015, blueprint_id: id });
    const response = await browser.post(`/blueprints/${id}/delete`, {});
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('blueprint is used by 1 servers');
    expect(response.body).toContain('href="/servers/1"');
  });
});
