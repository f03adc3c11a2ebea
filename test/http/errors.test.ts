import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  recordingSupervisor,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';

/** What a fault of ours says, thrown where a route does not expect it: it must never reach the user. */
const secret = 'ENOENT: /var/lib/l4d2web/servers/1/secret.cfg';

describe('a fault of ours is answered 500 "internal error", and nothing more', () => {
  let t: TestApp;
  let json: Client;
  let browser: Client;
  let serverId: number;

  beforeEach(async () => {
    const supervisor = recordingSupervisor();
    supervisor.rcon = async () => {
      throw new Error(secret);
    };
    t = await startTestApp({ supervisor });
    json = await signUp(t.app, 'owner');
    const blueprintId = await createBlueprint(json);
    serverId = await createServer(json, { name: 'Alpha', port: 27015, blueprint_id: blueprintId });
    browser = await logIn(t.app, 'owner', 'form');
  });
  afterEach(() => t.close());

  it('in JSON', async () => {
    const response = await json.post(`/servers/${serverId}/rcon`, { command: 'status' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal error' });
  });

  it('in HTML, as a plain error page: the form is re-rendered only for errors the user can act on', async () => {
    const response = await browser.post(`/servers/${serverId}/rcon`, { command: 'status' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<h1>Error 500</h1>');
    expect(response.body).toContain('internal error');
    expect(response.body).not.toContain('id="console"');
    expect(response.body).not.toContain('secret.cfg');
  });
});
