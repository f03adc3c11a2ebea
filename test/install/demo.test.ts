import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { type PanelProcess, spawnPanel } from '../helpers/cli.js';
import { freeGamePort } from '../helpers/simulator.js';
import { processesUsing, waitFor } from '../helpers/supervisor.js';

/** JSON over real HTTP, keeping the session cookie. */
function httpClient(base: string) {
  let cookie = '';
  return async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { accept: 'application/json', 'content-type': 'application/json', cookie },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      redirect: 'manual',
    });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0] ?? '';
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

describe('npm run demo', () => {
  let panel: PanelProcess | undefined;
  let dataDir = '';

  afterEach(async () => {
    await panel?.stop();
    for (const pid of processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
  });

  it('installs the game with the SteamCMD simulator on first start; a server then runs', async () => {
    dataDir = tempDir();
    panel = spawnPanel({ DATA_DIR: dataDir, LOG_LEVEL: 'info' }, { command: 'demo' });
    const call = httpClient(await panel.url());
    expect(
      (await call('POST', '/register', { username: 'admin', password: 'correct horse battery' })).status,
    ).toBe(201);
    const install = await waitFor(async () => {
      const { body } = await call('GET', '/install');
      return body.state === 'installed' ? body : null;
    });
    expect(install).toMatchObject({
      path: path.join(dataDir, 'sim-srcds'),
      buildid: '1',
      job: { kind: 'install', state: 'succeeded', percent: 100 },
    });
    const blueprint = await call('POST', '/blueprints', { name: 'coop', arguments: [], config: [] });
    const server = await call('POST', '/servers', {
      name: 'demo',
      port: await freeGamePort(),
      blueprint_id: blueprint.body.id,
    });
    await call('POST', `/servers/${server.body.id}/start`);
    await waitFor(
      async () => (await call('GET', `/servers/${server.body.id}`)).body.actual_state === 'running',
    );
    await call('POST', `/servers/${server.body.id}/stop`);
    await waitFor(
      async () => (await call('GET', `/servers/${server.body.id}`)).body.actual_state === 'stopped',
    );
  });
});
