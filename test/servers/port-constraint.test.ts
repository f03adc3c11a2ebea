import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signUp, startTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('a port belongs to one server (%s)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(() => t.close());

  // Ported from the seed's test_create_server_duplicate_port.
  it('refuses a second server on the same port with 409 and keeps one row', async () => {
    const browser = await signUp(t.app, 'alice', 'form');
    let response = await browser.post('/blueprints', { name: 'my-blueprint', arguments: '[]', config: '[]' });
    expect(response.statusCode).toBe(302);
    response = await browser.post('/servers', { name: 'server-1', port: '27015', blueprint_id: '1' });
    expect(response.statusCode).toBe(302);
    response = await browser.post('/servers', { name: 'server-2', port: '27015', blueprint_id: '1' });
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('port already in use');
    // The form comes back with the user's input.
    expect(response.body).toContain('value="server-2"');
    const servers = await t.database.db.selectFrom('servers').selectAll().execute();
    expect(servers.map((s) => s.name)).toEqual(['server-1']);
  });

  it('gives exactly one 201 for 40 concurrent creates on one port', async () => {
    const script = await signUp(t.app, 'alice');
    const blueprint = await script.post('/blueprints', { name: 'bp', arguments: [], config: [] });
    const blueprintId = blueprint.json().id;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        script.post('/servers', { name: `s${i}`, port: 27015, blueprint_id: blueprintId }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(39);
    for (const r of responses.filter((r) => r.statusCode === 409))
      expect(r.json().error).toBe('port already in use');
    const rows = await t.database.db.selectFrom('servers').select('port').execute();
    expect(rows).toEqual([{ port: 27015 }]);
  });

  it('refuses a clash on the derived client port, naming the port and its holder', async () => {
    const script = await signUp(t.app, 'alice');
    const { id: blueprintId } = (await script.post('/blueprints', { name: 'bp' })).json();
    expect(
      (await script.post('/servers', { name: 'alpha', port: 27015, blueprint_id: blueprintId })).statusCode,
    ).toBe(201);
    // 27025's client port is 27015, alpha's game port.
    const above = await script.post('/servers', { name: 'beta', port: 27025, blueprint_id: blueprintId });
    expect(above.statusCode).toBe(409);
    expect(above.json().error).toBe('port already in use: port 27015 is the game port of server "alpha"');
    // 27005 is alpha's client port.
    const below = await script.post('/servers', { name: 'gamma', port: 27005, blueprint_id: blueprintId });
    expect(below.statusCode).toBe(409);
    expect(below.json().error).toContain('port 27005 is the client port of server "alpha"');
    const ports = await t.database.db
      .selectFrom('server_ports')
      .select(['port', 'purpose'])
      .orderBy('port')
      .execute();
    expect(ports).toEqual([
      { port: 27005, purpose: 'client' },
      { port: 27015, purpose: 'game' },
    ]);
  });
});
