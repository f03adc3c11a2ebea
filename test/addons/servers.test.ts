import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSteam, startFakeSteam } from '../../src/bench/fake-steam.js';
import { instancePaths } from '../../src/instances/layout.js';
import { buildMapVpk } from '../../src/vpk/writer.js';
import { metamodArchive, smxBytes, sourcemodArchive } from '../helpers/addon-files.js';
import { createBlueprint, createServer } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { freeGamePort } from '../helpers/simulator.js';
import {
  endSupervisedTest,
  type SupervisedApp,
  startSupervisedApp,
  waitForState,
} from '../helpers/supervisor.js';
import { uploaded } from '../helpers/workshop.js';

const workshopCampaign = buildMapVpk(['c20m1_workshop', 'c20m2_workshop']);
const uploadedCampaign = buildMapVpk(['c21m1_uploaded']);

let steam: FakeSteam;
let app: SupervisedApp | undefined;

beforeAll(async () => {
  steam = await startFakeSteam({
    items: [{ id: '1001', title: 'Workshop Campaign', body: workshopCampaign }],
  });
});
afterAll(() => steam.close());
afterEach(async () => {
  await endSupervisedTest(app);
  app = undefined;
});

const upload = uploaded;

/** The instance's addons/ folder: each entry, a link shown with its target's name in the store. */
function addonsOf(serverId: number): Record<string, string> {
  const dir = instancePaths((app as SupervisedApp).dataDir, serverId).addonsDir;
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => {
        const full = path.join(dir, name);
        return [name, lstatSync(full).isSymbolicLink() ? `-> ${path.basename(readlinkSync(full))}` : 'dir'];
      }),
  );
}

const consoleLog = (serverId: number) =>
  readFileSync(path.join((app as SupervisedApp).dataDir, 'servers', String(serverId), 'console.log'), 'utf8');

describe.each(testDialects())('addons on running servers (%s)', (dialect) => {
  it("gives each server only its blueprint's addons: mounted, changelevel to a workshop map works on one only", async () => {
    app = await startSupervisedApp({ dialect, env: { STEAM_API_URL: steam.url } });
    const { client } = app;
    const [workshop] = (await client.post('/addons', { workshop: '1001' })).json().ids;
    await expect
      .poll(async () => (await client.get(`/addons/${workshop}`)).json().state, { timeout: 10_000 })
      .toBe('ready');
    const uploaded = await upload(client, uploadedCampaign, 'uploaded.vpk');
    const sourcemod = await upload(client, await sourcemodArchive(), 'sourcemod-linux.tar.gz');
    const metamod = await upload(client, await metamodArchive(), 'mmsource-linux.tar.gz');
    const plugin = await upload(client, smxBytes('funcommands'), 'funcommands.smx');

    const withWorkshop = await createBlueprint(client, { name: 'workshop', addons: [workshop] });
    const withSourcemod = await createBlueprint(client, {
      name: 'sourcemod',
      addons: [uploaded, sourcemod, metamod],
      sourcemod: {
        enabled: true,
        admins: [{ steamid: '76561197960265974', flags: '99:z', name: 'Alice' }],
        plugins: [plugin],
      },
    });
    const ports = [await freeGamePort(), await freeGamePort()];
    const a = await createServer(client, { name: 'a', port: ports[0] as number, blueprint_id: withWorkshop });
    const b = await createServer(client, {
      name: 'b',
      port: ports[1] as number,
      blueprint_id: withSourcemod,
    });
    for (const id of [a, b]) expect((await client.post(`/servers/${id}/start`)).statusCode).toBe(202);
    for (const id of [a, b]) await waitForState(app, id, 'running');

    // Each instance holds its own addons, linked to the one stored copy.
    expect(addonsOf(a)).toEqual({ '1001.vpk': expect.stringMatching(/^-> [0-9a-f]{64}\.vpk$/) });
    expect(addonsOf(b)).toEqual({
      'uploaded.vpk': expect.stringMatching(/^-> [0-9a-f]{64}\.vpk$/),
      'metamod.vdf': '-> metamod.vdf',
      metamod: 'dir',
      sourcemod: 'dir',
    });
    const bAddons = instancePaths(app.dataDir, b).addonsDir;
    expect(readFileSync(path.join(bAddons, 'sourcemod/configs/admins_simple.ini'), 'utf8')).toContain(
      '"STEAM_1:0:123" "99:z" // Alice\n',
    );
    expect(readlinkSync(path.join(bAddons, 'sourcemod/plugins/funcommands.smx'))).toMatch(
      /[0-9a-f]{64}\.smx$/,
    );

    // The simulator mounted what each instance holds, and nothing else.
    expect(consoleLog(a)).toContain('Mounting addon 1001.vpk');
    expect(consoleLog(a)).not.toContain('uploaded.vpk');
    expect(consoleLog(b)).toContain('Mounting addon uploaded.vpk');
    expect(consoleLog(b)).not.toContain('1001.vpk');

    const onA = await client.post(`/servers/${a}/changelevel`, { map: 'c20m1_workshop' });
    expect(onA.statusCode, onA.body).toBe(200);
    await expect
      .poll(async () => (await client.get(`/servers/${a}`)).json().live?.map, { timeout: 10_000 })
      .toBe('c20m1_workshop');
    const onB = await client.post(`/servers/${b}/changelevel`, { map: 'c20m1_workshop' });
    expect(onB.statusCode).toBe(400);
    expect(onB.json().error).toBe('map: changelevel failed: c20m1_workshop not found');

    // Server B's page: its addon's map in the list, and the SourceMod card from RCON.
    const page = await client.send('GET', `/servers/${b}`, { headers: { accept: 'text/html' } });
    expect(page.body).toContain('<option value="c21m1_uploaded"');
    expect(page.body).toContain('SourceMod Version: ');
    expect(page.body).toContain('Metamod:Source version ');
    expect(page.body).toContain('&quot;funcommands.smx&quot;');
    expect((await client.post(`/servers/${b}/rcon`, { command: 'sm_reloadadmins' })).json()).toEqual({
      output: '[SM] Admin cache has been refreshed.\n',
    });
    expect(
      (await client.post(`/servers/${b}/rcon`, { command: 'meta load addons/evil.so' })).statusCode,
    ).toBe(400);

    // A's blueprint gains the uploaded campaign while A runs: restart required, until it restarts.
    expect(
      (await client.patch(`/blueprints/${withWorkshop}`, { addons: [workshop, uploaded] })).statusCode,
    ).toBe(200);
    expect((await client.get(`/servers/${a}`)).json().restart_required).toBe(true);
    expect((await client.get(`/servers/${b}`)).json().restart_required).toBe(false);
    expect((await client.delete(`/addons/${workshop}`)).json().error).toBe('addon is used by 1 blueprints');
    expect((await client.post(`/servers/${a}/restart`)).statusCode).toBe(202);
    await expect
      .poll(async () => (await client.get(`/servers/${a}`)).json().restart_required, { timeout: 20_000 })
      .toBe(false);
    await waitForState(app, a, 'running');
    expect(Object.keys(addonsOf(a))).toEqual(['1001.vpk', 'uploaded.vpk']);
    expect((await client.post(`/servers/${a}/changelevel`, { map: 'c21m1_uploaded' })).statusCode).toBe(200);
  });
});
