import { existsSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeSteam } from '../../src/bench/fake-steam.js';
import { SseReader } from '../../src/bench/sse.js';
import { buildMapVpk } from '../../src/vpk/writer.js';
import { metamodArchive, multipart, smxBytes, sourcemodArchive, tarGz } from '../helpers/addon-files.js';
import {
  asInPage,
  type Client,
  createBlueprint,
  createServer,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { campaign, campaignAddon, startWorkshop, uploadAddon, uploaded } from '../helpers/workshop.js';

let steam: FakeSteam;
beforeAll(async () => {
  steam = await startWorkshop();
});
afterAll(() => steam.close());

describe.each(testDialects())('addon routes (%s)', (dialect) => {
  let t: TestApp;
  let alice: Client;
  let bob: Client;

  beforeEach(async () => {
    t = await startTestApp({
      dialect,
      env: { STEAM_API_URL: steam.url, MAX_UPLOAD_MB: '1', ALLOW_REGISTRATION: 'true' },
    });
    alice = await signUp(t.app, 'alice');
    bob = await signUp(t.app, 'bob');
  });
  afterEach(() => t.close());

  const upload = uploadAddon;
  const uploadOk = uploaded;
  const settled = async (client: Client, id: number) => {
    await expect
      .poll(async () => (await client.get(`/addons/${id}`)).json().state, { timeout: 10_000 })
      .toMatch(/^(ready|failed)$/);
    return (await client.get(`/addons/${id}`)).json();
  };
  const stored = () =>
    existsSync(path.join(t.dataDir, 'addons'))
      ? readdirSync(path.join(t.dataDir, 'addons')).filter((name) => name !== '.tmp')
      : [];
  const addonRows = () => t.database.db.selectFrom('addons').selectAll().execute();

  it('adds a Workshop item by link (202 {ids}) and downloads it: ready, with its maps', async () => {
    const response = await bob.post('/addons', {
      workshop: 'https://steamcommunity.com/sharedfiles/filedetails/?id=1001',
    });
    expect(response.statusCode).toBe(202);
    const { ids } = response.json();
    expect(ids).toEqual([expect.any(Number)]);
    expect(await settled(bob, ids[0])).toEqual(campaignAddon(ids[0]));
    expect((await bob.get('/addons')).json().addons.map((a: { id: number }) => a.id)).toEqual(ids);
  });

  it('refuses a private, a wrong-game and a missing item with the contract sentences, adding nothing', async () => {
    for (const [workshop, error] of [
      ['1003', 'item 1003 has no public download (private or removed)'],
      ['1004', 'item 1004 is not a Left 4 Dead 2 item'],
      ['31337', 'item 31337 not found'],
    ]) {
      const response = await bob.post('/addons', { workshop });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe(error);
    }
    expect((await bob.post('/addons', { workshop: 31337 })).json().error).toBe('item 31337 not found');
    const junk = await bob.post('/addons', { workshop: 'https://evil.example/?id=1001' });
    expect(junk.statusCode).toBe(400);
    expect(junk.json().fields).toEqual({ workshop: expect.any(String) });
    expect(await addonRows()).toEqual([]);
  });

  it('adds a collection with a nested collection, each item once', async () => {
    const { ids } = (await bob.post('/addons', { workshop: '2001' })).json();
    expect(ids).toHaveLength(4);
    const addons = await Promise.all(ids.map((id: number) => settled(bob, id)));
    expect(addons.map((a) => [a.workshop_id, a.state, a.error])).toEqual([
      ['1001', 'ready', ''],
      ['1002', 'ready', ''],
      ['1004', 'failed', 'item 1004 is not a Left 4 Dead 2 item'],
      ['1003', 'failed', 'item 1003 has no public download (private or removed)'],
    ]);
  });

  it('fails a truncated and a non-VPK download with "item N: download is not a valid VPK"', async () => {
    for (const id of ['1005', '1006']) {
      const [addonId] = (await bob.post('/addons', { workshop: id })).json().ids;
      expect(await settled(bob, addonId)).toMatchObject({
        state: 'failed',
        error: `item ${id}: download is not a valid VPK`,
      });
    }
    expect(stored()).toEqual([]);
  });

  it('a form adds an item with a redirect, and shows a refusal on the library page with the input kept', async () => {
    const browser = await signUp(t.app, 'carol', 'form');
    const added = await browser.post('/addons', { workshop: '1002' });
    expect(added.statusCode).toBe(302);
    expect(added.headers.location).toBe('/addons');
    const refused = await browser.post('/addons', { workshop: '1004' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('item 1004 is not a Left 4 Dead 2 item');
    expect(refused.body).toContain('value="1004"');
    const page = await browser.get('/addons');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('1002.vpk');
  });

  it('uploads a VPK, a SourceMod and a Metamod:Source archive and a plugin, typed by content', async () => {
    const vpk = await uploadOk(bob, campaign, 'My Campaign v1.2.vpk');
    expect((await bob.get(`/addons/${vpk}`)).json()).toMatchObject({
      kind: 'vpk',
      workshop_id: null,
      filename: 'My_Campaign_v1_2.vpk',
      state: 'ready',
      maps: ['c20m1_custom', 'c20m2_custom'],
    });
    // The name says .smx, the content is a VPK: the content decides.
    expect((await bob.get(`/addons/${await uploadOk(bob, campaign, 'looks-like.smx')}`)).json().kind).toBe(
      'vpk',
    );
    const sourcemod = await uploadOk(
      alice,
      await sourcemodArchive(),
      'sourcemod-1.12.0-git7210-linux.tar.gz',
    );
    const metamod = await uploadOk(alice, await metamodArchive(), 'mmsource-1.12.0-git1219-linux.tar.gz');
    const plugin = await uploadOk(alice, smxBytes(), 'funcommands.smx');
    const kinds = (await alice.get('/addons'))
      .json()
      .addons.map((a: { id: number; kind: string }) => [a.id, a.kind]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        [sourcemod, 'sourcemod'],
        [metamod, 'metamod'],
        [plugin, 'plugin'],
      ]),
    );
  });

  it('refuses archives with "..", an absolute path or a link out, other files, and code from a non-admin', async () => {
    const before = stored();
    const refusals: Array<[Buffer, string, number, string]> = [
      [
        await tarGz([
          { name: 'addons/sourcemod/bin/x.so', content: 'x' },
          { name: '../../evil.sh', content: 'x' },
        ]),
        'sm.tar.gz',
        400,
        'archive entry "../../evil.sh" contains "..", which leaves the archive',
      ],
      [
        await tarGz([{ name: '/etc/cron.d/evil', content: 'x' }]),
        'sm.tar.gz',
        400,
        'archive entry "/etc/cron.d/evil" is an absolute path',
      ],
      [
        await tarGz([
          { name: 'addons/sourcemod/bin/', type: 'directory' },
          { name: 'addons/x', type: 'symlink', linkname: '../../../etc' },
        ]),
        'sm.tar.gz',
        400,
        'archive entry "addons/x" links to "../../../etc", outside the archive',
      ],
      [
        Buffer.from('MZ a windows program'),
        'map.vpk',
        400,
        'not a VPK, SourceMod, Metamod:Source or plugin file',
      ],
    ];
    for (const [content, name, status, error] of refusals) {
      const response = await upload(alice, content, name);
      expect(response.statusCode).toBe(status);
      expect(response.json().error).toBe(error);
    }
    const fromUser = await upload(bob, smxBytes(), 'plugin.smx');
    expect(fromUser.statusCode).toBe(403);
    expect(stored()).toEqual(before);
    expect(await addonRows()).toEqual([]);
    expect(readdirSync(path.join(t.dataDir, 'addons', '.tmp'))).toEqual([]);
  });

  it('refuses a file over MAX_UPLOAD_MB with 413, storing nothing; and what is not multipart with 415', async () => {
    const big = Buffer.concat([campaign, Buffer.alloc(1024 * 1024)]);
    const response = await upload(bob, big, 'big.vpk');
    expect(response.statusCode, response.body).toBe(413);
    expect(response.json().error).toBe('file is larger than the upload limit of 1 MB (MAX_UPLOAD_MB)');
    expect(await addonRows()).toEqual([]);
    expect(stored()).toEqual([]);
    expect(readdirSync(path.join(t.dataDir, 'addons', '.tmp'))).toEqual([]);
    const json = await bob.post('/addons/upload', { file: 'x' });
    expect(json.statusCode).toBe(415);
    const wrongField = await upload(bob, campaign, 'a.vpk', 'other');
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json()).toEqual({ error: 'file: is required', fields: { file: 'is required' } });
    // A body cut short or with the wrong boundary: 400, never a 500.
    const { payload } = multipart(campaign, 'a.vpk');
    const cut = await bob.send('POST', '/addons/upload', {
      payload: payload.subarray(0, payload.length - 100),
      headers: { ...multipart(campaign, 'a.vpk').headers, accept: 'application/json' },
    });
    expect(cut.statusCode).toBe(400);
    expect(await addonRows()).toEqual([]);
    expect(readdirSync(path.join(t.dataDir, 'addons', '.tmp'))).toEqual([]);
  });

  it("shows users their own addons only (404 for another's), admins all; the shared code to everyone", async () => {
    const bobs = await uploadOk(bob, campaign, 'bob.vpk');
    const alices = await uploadOk(alice, buildMapVpk(['c30m1_alice']), 'alice.vpk');
    const plugin = await uploadOk(alice, smxBytes(), 'p.smx');
    expect((await bob.get('/addons')).json().addons.map((a: { id: number }) => a.id)).toEqual([bobs, plugin]);
    expect((await alice.get('/addons')).json().addons.map((a: { id: number }) => a.id)).toEqual([
      bobs,
      alices,
      plugin,
    ]);
    for (const response of [
      await bob.get(`/addons/${alices}`),
      await bob.delete(`/addons/${alices}`),
      await bob.get('/addons/abc'),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toBe('addon not found');
    }
  });

  it('deletes an addon (204; 302 from a form), not while a blueprint uses it (409)', async () => {
    const vpk = await uploadOk(bob, campaign, 'c.vpk');
    const blueprint = await createBlueprint(bob, { addons: [vpk] });
    const used = await bob.delete(`/addons/${vpk}`);
    expect(used.statusCode).toBe(409);
    expect(used.json().error).toBe('addon is used by 1 blueprints');
    expect((await bob.patch(`/blueprints/${blueprint}`, { addons: [] })).statusCode).toBe(200);
    expect((await bob.delete(`/addons/${vpk}`)).statusCode).toBe(204);
    expect(stored()).toEqual([]);
    const other = await uploadOk(bob, campaign, 'd.vpk');
    const browser = await signUp(t.app, 'dave', 'form');
    expect((await browser.post(`/addons/${other}/delete`)).statusCode).toBe(404);
    const form = await bob.send('POST', `/addons/${other}/delete`, { headers: { accept: 'text/html' } });
    expect(form.statusCode).toBe(302);
    expect(await addonRows()).toEqual([]);
  });

  it('takes addons and SourceMod in blueprints: foreign ids are not found, SourceMod needs its addons', async () => {
    const alices = await uploadOk(alice, campaign, 'alice.vpk');
    const bobs = await uploadOk(bob, buildMapVpk(['c31m1_bob']), 'bob.vpk');
    const foreign = await bob.post('/blueprints', { name: 'x', addons: [bobs, alices] });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toEqual({
      error: `addon ${alices} not found`,
      fields: { addons: `addon ${alices} not found` },
    });
    const sourcemodOn = {
      enabled: true,
      admins: [{ steamid: 'STEAM_0:1:123', flags: '99:bcdefg', name: 'Bob' }],
      plugins: [],
    };
    const missing = await bob.post('/blueprints', { name: 'x', addons: [bobs], sourcemod: sourcemodOn });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe(
      'SourceMod needs a ready metamod addon (Metamod:Source) and a ready sourcemod addon (SourceMod)',
    );
    const badAdmin = await bob.post('/blueprints', {
      name: 'x',
      sourcemod: { ...sourcemodOn, admins: [{ steamid: 'STEAM_0:1:123', flags: 'xyz', name: '' }] },
    });
    expect(badAdmin.statusCode).toBe(400);
    expect(badAdmin.json().error).toMatch(/^sourcemod: admin 1: flags "xyz" must be SourceMod flag letters/);
    // Root, rcon, cvar and config reach past the console's rules from the game: an admin's to grant.
    const blueprintsBefore = (await bob.get('/blueprints')).json();
    for (const flags of ['z', '99:bm', 'h', 'i']) {
      const root = await bob.post('/blueprints', {
        name: 'x',
        sourcemod: { ...sourcemodOn, admins: [{ steamid: 'STEAM_0:1:123', flags, name: '' }] },
      });
      expect(root.statusCode, flags).toBe(400);
      expect(root.json().error).toMatch(
        /^sourcemod: admin 1: flags [zmhi] \(root, rcon, cvar, config\) reach past/,
      );
    }
    expect((await bob.get('/blueprints')).json()).toEqual(blueprintsBefore);
    const sourcemod = await uploadOk(alice, await sourcemodArchive(), 'sm.tar.gz');
    const metamod = await uploadOk(alice, await metamodArchive(), 'mm.tar.gz');
    const plugin = await uploadOk(alice, smxBytes(), 'funcommands.smx');
    const created = await bob.post('/blueprints', {
      name: 'x',
      addons: [bobs, sourcemod, metamod],
      sourcemod: { ...sourcemodOn, plugins: [plugin] },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await bob.get(`/blueprints/${created.json().id}`)).json()).toMatchObject({
      addons: [bobs, sourcemod, metamod],
      sourcemod: { ...sourcemodOn, plugins: [plugin] },
    });
    expect(await addonRows()).toHaveLength(5);
  });

  it('a blueprint form sets addons and SourceMod; its page lists the library', async () => {
    const vpk = await uploadOk(alice, campaign, 'campaign.vpk');
    await uploadOk(alice, await sourcemodArchive(), 'sm.tar.gz');
    await uploadOk(alice, await metamodArchive(), 'mm.tar.gz');
    const browser = new (bob.constructor as typeof Client)(t.app, 'form');
    browser.cookies = new Map(alice.cookies);
    const created = await browser.send('POST', '/blueprints', {
      payload: new URLSearchParams([
        ['name', 'form'],
        ['addons', ''],
        ['addons', String(vpk)],
        ['sourcemod_enabled', 'false'],
        ['sourcemod_enabled', 'true'],
        ['sourcemod_admins', 'STEAM_0:1:123 99:z Alice Liddell\n[U:1:246] b'],
        ['sourcemod_plugins', ''],
      ]).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(created.statusCode, created.body).toBe(302);
    const id = Number(created.headers.location?.split('/').pop());
    expect((await alice.get(`/blueprints/${id}`)).json()).toMatchObject({
      addons: [vpk],
      sourcemod: {
        enabled: true,
        admins: [
          { steamid: 'STEAM_0:1:123', flags: '99:z', name: 'Alice Liddell' },
          { steamid: '[U:1:246]', flags: 'b', name: '' },
        ],
        plugins: [],
      },
    });
    const page = await browser.get(`/blueprints/${id}`);
    expect(page.body).toContain(`id="field-addons-${vpk}" name="addons" value="${vpk}" checked`);
    expect(page.body).toContain(asInPage('STEAM_0:1:123 99:z Alice Liddell'));
  });

  it("sets restart_required on a running server when its blueprint's addons change; not on a stopped one", async () => {
    const vpk = await uploadOk(bob, campaign, 'c.vpk');
    const blueprint = await createBlueprint(bob);
    const running = await createServer(bob, { name: 'running', port: 27015, blueprint_id: blueprint });
    const stopped = await createServer(bob, { name: 'stopped', port: 27115, blueprint_id: blueprint });
    await t.database.db
      .updateTable('servers')
      .set({ actual_state: 'running' })
      .where('id', '=', running)
      .execute();
    expect((await bob.get(`/servers/${running}`)).json().restart_required).toBe(false);
    expect((await bob.patch(`/blueprints/${blueprint}`, { name: 'renamed' })).statusCode).toBe(200);
    expect((await bob.get(`/servers/${running}`)).json().restart_required).toBe(false);
    expect((await bob.patch(`/blueprints/${blueprint}`, { addons: [vpk] })).statusCode).toBe(200);
    expect((await bob.get(`/servers/${running}`)).json().restart_required).toBe(true);
    expect((await bob.get(`/servers/${stopped}`)).json().restart_required).toBe(false);
    // Once it stops, the flag no longer shows: its next start gets the new addons anyway.
    await t.database.db
      .updateTable('servers')
      .set({ actual_state: 'stopped' })
      .where('id', '=', running)
      .execute();
    expect((await bob.get(`/servers/${running}`)).json().restart_required).toBe(false);
    await t.database.db
      .updateTable('servers')
      .set({ actual_state: 'running' })
      .where('id', '=', running)
      .execute();
    const browser = new (bob.constructor as typeof Client)(t.app, 'form');
    browser.cookies = new Map(bob.cookies);
    expect((await browser.get(`/servers/${running}`)).body).toContain('Restart required');
  });

  it('streams addon changes as `addon` events carrying the Addon, only those the user may see', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const frames: Array<{ event?: string; data: string }> = [];
    const reader = new SseReader();
    const controller = new AbortController();
    const response = await fetch(`${address}/addons/events`, {
      headers: { cookie: bob.cookieHeader, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
        frames.push(...reader.push(decoder.decode(chunk, { stream: true })));
    })().catch(() => undefined);
    await uploadOk(alice, buildMapVpk(['c40m1_hidden']), 'hidden.vpk');
    const [id] = (await bob.post('/addons', { workshop: '1002' })).json().ids;
    await settled(bob, id);
    await expect
      .poll(() => frames.some((f) => f.event === 'addon' && JSON.parse(f.data).state === 'ready'))
      .toBe(true);
    controller.abort();
    await reading;
    const addons = frames.filter((f) => f.event === 'addon').map((f) => JSON.parse(f.data));
    expect(new Set(addons.map((a) => a.id))).toEqual(new Set([id]));
    expect(addons.map((a) => a.state)).toEqual(expect.arrayContaining(['queued', 'ready']));
    expect(addons.at(-1)).toEqual((await bob.get(`/addons/${id}`)).json());
    void (t.app.server.address() as AddressInfo);
  });
});
