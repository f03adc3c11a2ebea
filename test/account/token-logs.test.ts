import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/auth/tokens.js';
import { password, tempDir } from '../helpers/app.js';
import { type PanelProcess, spawnPanel } from '../helpers/cli.js';

describe('an API token never reaches the log', () => {
  let dataDir: string;
  let panel: PanelProcess | undefined;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(async () => {
    await panel?.stop();
    panel = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['JSON lines', false],
    ['short lines on a terminal', true],
  ])('in %s, at the most detailed level, whatever the request does with it', async (_how, terminal) => {
    panel = spawnPanel(
      { DATA_DIR: dataDir, LOG_LEVEL: 'trace', LOG_FORMAT: terminal ? 'pretty' : 'json' },
      { terminal },
    );
    const url = await panel.url();
    const json = { 'content-type': 'application/json', accept: 'application/json' };
    const registered = await fetch(`${url}/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'alice', password }),
    });
    const cookie = (registered.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const made = await fetch(`${url}/account/tokens`, {
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify({ name: 'bot', scope: 'read' }),
    });
    const { token } = (await made.json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };
    // Used, refused for its scope, sent to a missing route, and sent after it was revoked.
    expect((await fetch(`${url}/servers`, { headers: bearer })).status).toBe(200);
    expect(
      (await fetch(`${url}/blueprints`, { method: 'POST', headers: { ...json, ...bearer }, body: '{}' }))
        .status,
    ).toBe(403);
    expect((await fetch(`${url}/no/such/route`, { headers: bearer })).status).toBe(404);
    const tokens = (await (await fetch(`${url}/account/tokens`, { headers: bearer })).json()) as {
      tokens: { id: number }[];
    };
    await fetch(`${url}/account/tokens/${tokens.tokens[0]?.id}`, { method: 'DELETE', headers: { cookie } });
    expect((await fetch(`${url}/servers`, { headers: bearer })).status).toBe(401);
    await panel.waitForOutput(/GET \/servers 401|"statusCode":401/);
    expect(await panel.stop()).toBe(0);

    const output = panel.output();
    expect(output).toMatch(/GET \/servers|"url":"\/servers"/);
    expect(output).not.toContain(token);
    expect(output).not.toContain(token.slice('l4d2web_'.length, 20));
    expect(output).not.toContain(tokenHash(token));
    expect(output.toLowerCase()).not.toContain('authorization');
  });
});
