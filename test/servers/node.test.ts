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
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const nodeMessage =
  "must be the l4d2web.node label of swarm nodes: up to 63 letters, digits, '.', '_' or '-', or empty for any node";

describe.each(testDialects())("a server's swarm node (%s)", (dialect) => {
  let t: TestApp;
  let script: Client;
  let blueprintId: number;
  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { RUNTIME: 'swarm' } });
    script = await signUp(t.app, 'alice');
    blueprintId = await createBlueprint(script);
  });
  afterEach(() => t.close());

  it('is any node unless given; it can be set and changed', async () => {
    const any = await createServer(script, { name: 'anywhere', port: 27015, blueprint_id: blueprintId });
    expect((await script.get(`/servers/${any}`)).json()).toMatchObject({ node: '' });
    const created = await script.post('/servers', {
      name: 'placed',
      port: 27115,
      blueprint_id: blueprintId,
      node: 'eu-1',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect((await script.get(`/servers/${id}`)).json()).toMatchObject({ node: 'eu-1' });
    const changed = await script.patch(`/servers/${id}`, { node: '' });
    expect(changed.json()).toMatchObject({ node: '' });
  });

  it.each(['eu 1', 'eu==1', 'node,x', '-eu', 'x'.repeat(64), 7])(
    'refuses the node %j with a 400, changing nothing (a placement constraint is built from it)',
    async (node) => {
      const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
      const before = await snapshot(t.database);
      for (const response of [
        await script.post('/servers', { name: 'beta', port: 27115, blueprint_id: blueprintId, node }),
        await script.patch(`/servers/${id}`, { node }),
      ]) {
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({ error: `node: ${nodeMessage}`, fields: { node: nodeMessage } });
      }
      expect(await snapshot(t.database)).toEqual(before);
    },
  );

  it('shows the node field in the forms when servers run on a swarm', async () => {
    const browser = await logIn(t.app, 'alice', 'form');
    const id = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    expect((await browser.get('/servers')).body).toContain('name="node"');
    const saved = await browser.post(`/servers/${id}`, {
      name: 'alpha',
      port: '27015',
      blueprint_id: String(blueprintId),
      node: 'eu-1',
    });
    expect(saved.statusCode).toBe(302);
    expect((await browser.get(`/servers/${id}`)).body).toContain('name="node" value="eu-1"');
    expect((await script.get(`/servers/${id}`)).json()).toMatchObject({ node: 'eu-1' });
  });
});

describe('the node field without a swarm', () => {
  it('is not in the forms', async () => {
    const t = await startTestApp();
    try {
      await createBlueprint(await signUp(t.app, 'alice'));
      const browser = await logIn(t.app, 'alice', 'form');
      const page = (await browser.get('/servers')).body;
      expect(page).toContain('name="blueprint_id"');
      expect(page).not.toContain('name="node"');
    } finally {
      await t.close();
    }
  });
});
