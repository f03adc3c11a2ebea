import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';

import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addonSetForLaunch,
  blueprintMaps,
  checkBlueprintAddons,
  readBlueprintAddons,
  saveBlueprintAddons,
} from '../../src/addons/blueprint-addons.js';
import { type AddonEvent, AddonEvents } from '../../src/addons/events.js';
import { deleteAddon, getAddonRow, listAddons, toAddon } from '../../src/addons/library.js';
import { AddonServices } from '../../src/addons/service.js';
import { SteamWebApi } from '../../src/addons/steam-api.js';
import { AddonStore } from '../../src/addons/store.js';
import { receiveUpload, storeUpload } from '../../src/addons/uploads.js';
import { Workshop } from '../../src/addons/workshop.js';
import type { SessionUser } from '../../src/auth/sessions.js';
import type { FakeSteam } from '../../src/bench/fake-steam.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { AppError } from '../../src/http/errors.js';
import { buildMapVpk } from '../../src/vpk/writer.js';
import { metamodArchive, smxBytes, sourcemodArchive, tarGz } from '../helpers/addon-files.js';
import { tempDir } from '../helpers/app.js';
import { dropDatabase, freshDatabaseUrl, testDialects } from '../helpers/dialects.js';
import { campaign, campaignAddon, second, startWorkshop } from '../helpers/workshop.js';

const at = '2024-01-01T00:00:00.000Z';
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let steam: FakeSteam;
beforeAll(async () => {
  steam = await startWorkshop();
});
afterAll(() => steam.close());

/** AppError's status and message, from a promise expected to fail. */
async function refused(promise: Promise<unknown>): Promise<[number, string]> {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as AppError | null;
  expect(error, 'refused').not.toBeNull();
  return [error?.status ?? 0, error?.message ?? ''];
}

describe.each(testDialects())('addon library (%s)', (dialect) => {
  let dataDir: string;
  let url: string;
  let handle: DatabaseHandle;
  let store: AddonStore;
  let events: AddonEvents;
  let seen: AddonEvent[];
  let workshop: Workshop;
  const admin: SessionUser = { id: 1, username: 'alice', role: 'admin' };
  const bob: SessionUser = { id: 2, username: 'bob', role: 'user' };

  beforeEach(async () => {
    dataDir = tempDir();
    url = await freshDatabaseUrl(dialect, dataDir);
    handle = openDatabase(url);
    await migrateToLatest(handle);
    for (const user of [admin, bob])
      await handle.db
        .insertInto('users')
        .values({ username: user.username, password_hash: 'x', role: user.role, created_at: at })
        .execute();
    store = new AddonStore(dataDir);
    events = new AddonEvents();
    seen = [];
    events.subscribe((event) => seen.push(event));
    workshop = new Workshop({ db: handle.db, store, events, api: new SteamWebApi(steam.url) });
    steam.requests.length = 0;
  });
  afterEach(async () => {
    await workshop.stop();
    await handle.close();
    await dropDatabase(url);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (user: SessionUser, bytes: Buffer, name: string) => {
    const received = await receiveUpload(Readable.from([bytes]), store);
    try {
      return await storeUpload({ db: handle.db, store, events }, user, received, name);
    } finally {
      rmSync(received.file, { force: true });
    }
  };
  const storedFiles = () => readdirSync(store.root).filter((name) => name !== '.tmp');
  const blueprint = async (user: SessionUser, name: string) =>
    (
      await handle.db
        .insertInto('blueprints')
        .values({ user_id: user.id, name, arguments: '[]', config: '[]', created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const runningServer = async (blueprintId: number, name: string, port: number) =>
    (
      await handle.db
        .insertInto('servers')
        .values({
          user_id: 1,
          blueprint_id: blueprintId,
          name,
          port,
          desired_state: 'running',
          actual_state: 'running',
          last_error: '',
          rcon_password: 'pw',
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const restartRequired = async (id: number) =>
    (
      await handle.db
        .selectFrom('servers')
        .select('restart_required')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).restart_required;

  it('adds a Workshop item: queued, downloading with progress, then ready with its maps, stored once', async () => {
    const [id] = await workshop.add(bob, 'https://steamcommunity.com/sharedfiles/filedetails/?id=1001');
    await workshop.idle();
    const addon = toAddon(await getAddonRow(handle.db, bob, id ?? 0));
    expect(addon).toEqual(campaignAddon(id ?? 0));
    expect(storedFiles()).toEqual([`${sha(campaign)}.vpk`]);
    const states = seen.filter((e) => e.type === 'changed').map((e) => e.row.state);
    expect(states[0]).toBe('queued');
    expect(states).toContain('downloading');
    expect(states.at(-1)).toBe('ready');
    // Adding it again changes nothing and downloads nothing.
    const downloads = steam.requests.filter((r) => r.path === '/files/1001').length;
    expect(await workshop.add(bob, '1001')).toEqual([id]);
    await workshop.idle();
    expect(steam.requests.filter((r) => r.path === '/files/1001').length).toBe(downloads);
  });

  it('at start, sweeps content no addon holds (once an hour old) and resumes downloads a stop cut off', async () => {
    const kept = await upload(bob, campaign, 'kept.vpk');
    const orphaned = buildMapVpk(['c99m1_orphan']);
    await upload(admin, orphaned, 'orphan.vpk');
    // The admin's addons go with the admin (cascade), leaving their file behind.
    await handle.db.deleteFrom('users').where('id', '=', admin.id).execute();
    const orphan = store.pathOf(sha(orphaned), 'vpk');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(orphan, hourAgo, hourAgo);
    const recent = store.pathOf(sha(Buffer.from('recent')), 'vpk');
    await writeFile(recent, 'written a moment ago by a commit not yet recorded');
    // A download cut off by the last stop.
    const [cut] = await workshop.add(bob, '1002');
    await workshop.stop();
    await handle.db
      .updateTable('addons')
      .set({ state: 'downloading', percent: 40 })
      .where('id', '=', cut ?? 0)
      .execute();
    await writeFile(path.join(store.root, '.tmp', 'half-written.vpk'), 'half');

    const services = new AddonServices({ dataDir, steamApiUrl: steam.url, maxUploadBytes: 1 }, handle.db);
    await services.start();
    await services.workshop.idle();
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(path.join(store.root, '.tmp', 'half-written.vpk'))).toBe(false);
    expect(toAddon(await getAddonRow(handle.db, bob, kept)).state).toBe('ready');
    expect(toAddon(await getAddonRow(handle.db, bob, cut ?? 0))).toMatchObject({
      state: 'ready',
      percent: 100,
    });
    await services.stop();
  });

  it('refuses a private, a wrong-game and a missing item (400), adding nothing', async () => {
    expect(await refused(workshop.add(bob, '1003'))).toEqual([
      400,
      'item 1003 has no public download (private or removed)',
    ]);
    expect(await refused(workshop.add(bob, '1004'))).toEqual([400, 'item 1004 is not a Left 4 Dead 2 item']);
    expect(await refused(workshop.add(bob, '424242'))).toEqual([400, 'item 424242 not found']);
    expect(await refused(workshop.add(bob, 'not an id'))).toEqual([
      400,
      'workshop: must be a Workshop item or collection id, or its steamcommunity.com link',
    ]);
    expect(await listAddons(handle.db, bob)).toEqual([]);
  });

  it('adds a collection with a nested one: every item once, the refused ones failed with the reason', async () => {
    const ids = await workshop.add(bob, '2001');
    await workshop.idle();
    const addons = await listAddons(handle.db, bob);
    expect(addons.map((a) => a.id)).toEqual(ids);
    expect(addons.map((a) => [a.workshop_id, a.state, a.error])).toEqual([
      ['1001', 'ready', ''],
      ['1002', 'ready', ''],
      ['1004', 'failed', 'item 1004 is not a Left 4 Dead 2 item'],
      ['1003', 'failed', 'item 1003 has no public download (private or removed)'],
    ]);
  });

  it('fails a truncated and a non-VPK download with the contract sentence, storing nothing', async () => {
    const [cut] = await workshop.add(bob, '1005');
    const [html] = await workshop.add(bob, '1006');
    await workshop.idle();
    expect(toAddon(await getAddonRow(handle.db, bob, cut ?? 0))).toMatchObject({
      state: 'failed',
      error: 'item 1005: download is not a valid VPK',
    });
    expect(toAddon(await getAddonRow(handle.db, bob, html ?? 0))).toMatchObject({
      state: 'failed',
      error: 'item 1006: download is not a valid VPK',
    });
    expect(storedFiles()).toEqual([]);
    expect(readdirSync(path.join(store.root, '.tmp'))).toEqual([]);
  });

  it('gives a second user the stored file without downloading it again', async () => {
    await workshop.add(bob, '1002');
    await workshop.idle();
    const [mine] = await workshop.add(admin, '1002');
    expect(steam.requests.filter((r) => r.path === '/files/1002')).toHaveLength(1);
    expect(toAddon(await getAddonRow(handle.db, admin, mine ?? 0))).toMatchObject({
      state: 'ready',
      maps: ['c21m1_second'],
    });
  });

  it('refreshes an updated item: the new file replaces the old, running servers get restart_required', async () => {
    const [id] = await workshop.add(admin, '1001');
    await workshop.idle();
    const coop = await blueprint(admin, 'coop');
    const other = await blueprint(admin, 'other');
    await saveBlueprintAddons(handle.db, coop, {
      addons: [id ?? 0],
      sourcemod: { enabled: false, admins: [], plugins: [] },
    });
    const server = await runningServer(coop, 'alpha', 27015);
    const unrelated = await runningServer(other, 'beta', 27115);
    expect(await workshop.refresh()).toEqual([]);
    expect(await restartRequired(server)).toBe(0);

    const updated = buildMapVpk(['c20m1_custom', 'c20m2_custom', 'c20m3_new']);
    steam.items.set('1001', {
      id: '1001',
      title: 'Custom Campaign v2',
      body: updated,
      timeUpdated: 1800000000,
    });
    expect(await workshop.refresh()).toEqual(['1001']);
    await workshop.idle();
    expect(toAddon(await getAddonRow(handle.db, admin, id ?? 0))).toMatchObject({
      state: 'ready',
      title: 'Custom Campaign v2',
      time_updated: 1800000000,
      maps: ['c20m1_custom', 'c20m2_custom', 'c20m3_new'],
    });
    expect(storedFiles()).toEqual([`${sha(updated)}.vpk`]);
    expect(await restartRequired(server)).toBe(1);
    expect(await restartRequired(unrelated)).toBe(0);
    steam.items.set('1001', {
      id: '1001',
      title: 'Custom Campaign',
      body: campaign,
      timeUpdated: 1700000100,
    });
  });

  it('stores uploads by content: a VPK for anyone, code only from an admin, refusals storing nothing', async () => {
    const vpk = await upload(bob, campaign, 'My Campaign v1.2.vpk');
    expect(toAddon(await getAddonRow(handle.db, bob, vpk))).toMatchObject({
      kind: 'vpk',
      workshop_id: null,
      title: 'My Campaign v1.2.vpk',
      filename: 'My_Campaign_v1_2.vpk',
      size: campaign.length,
      state: 'ready',
      percent: 100,
      maps: ['c20m1_custom', 'c20m2_custom'],
    });
    const sourcemod = await upload(admin, await sourcemodArchive(), 'sourcemod-1.12.0-git7210-linux.tar.gz');
    expect(toAddon(await getAddonRow(handle.db, admin, sourcemod))).toMatchObject({
      kind: 'sourcemod',
      state: 'ready',
    });
    const plugin = await upload(admin, smxBytes(), 'funcommands.smx');
    expect(toAddon(await getAddonRow(handle.db, admin, plugin))).toMatchObject({
      kind: 'plugin',
      filename: 'funcommands.smx',
    });
    const before = storedFiles().sort();
    for (const code of [
      smxBytes('x'),
      await sourcemodArchive(),
      await tarGz([{ name: '../evil', content: 'x' }]),
    ])
      expect(await refused(upload(bob, code, 'mine.smx'))).toEqual([
        403,
        'only an admin can upload SourceMod, Metamod:Source or plugin files: they run as code on the host',
      ]);
    expect(
      await refused(upload(admin, await tarGz([{ name: '../evil', content: 'x' }]), 'evil.tar.gz')),
    ).toEqual([400, 'archive entry "../evil" contains "..", which leaves the archive']);
    expect(await refused(upload(bob, Buffer.from('hello'), 'map.vpk'))).toEqual([
      400,
      'not a VPK, SourceMod, Metamod:Source or plugin file',
    ]);
    expect(storedFiles().sort()).toEqual(before);
    expect(readdirSync(path.join(store.root, '.tmp'))).toEqual([]);
  });

  it("shows each user their own addons and everyone the admins' code; admins see all", async () => {
    const bobs = await upload(bob, campaign, 'bob.vpk');
    const admins = await upload(admin, second, 'admin.vpk');
    const plugin = await upload(admin, smxBytes(), 'p.smx');
    expect((await listAddons(handle.db, bob)).map((a) => a.id)).toEqual([bobs, plugin]);
    expect((await listAddons(handle.db, admin)).map((a) => a.id)).toEqual([bobs, admins, plugin]);
    expect(await refused(getAddonRow(handle.db, bob, admins))).toEqual([404, 'addon not found']);
    expect(await refused(deleteAddon(handle.db, store, events, bob, admins))).toEqual([
      404,
      'addon not found',
    ]);
    expect(await refused(deleteAddon(handle.db, store, events, bob, plugin))).toEqual([
      403,
      'only an admin can delete a shared SourceMod, Metamod:Source or plugin addon',
    ]);
  });

  it('deletes an addon no blueprint uses (409 otherwise); its file goes with the last addon holding it', async () => {
    const first = await upload(bob, campaign, 'a.vpk');
    const twin = await upload(admin, campaign, 'b.vpk');
    const coop = await blueprint(bob, 'coop');
    await saveBlueprintAddons(handle.db, coop, {
      addons: [first],
      sourcemod: { enabled: false, admins: [], plugins: [] },
    });
    expect(await refused(deleteAddon(handle.db, store, events, bob, first))).toEqual([
      409,
      'addon is used by 1 blueprints',
    ]);
    await saveBlueprintAddons(handle.db, coop, {
      addons: [],
      sourcemod: { enabled: false, admins: [], plugins: [] },
    });
    await deleteAddon(handle.db, store, events, bob, first);
    expect(storedFiles()).toEqual([`${sha(campaign)}.vpk`]);
    await deleteAddon(handle.db, store, events, admin, twin);
    expect(storedFiles()).toEqual([]);
    expect(seen.filter((e) => e.type === 'removed').map((e) => e.row.id)).toEqual([first, twin]);
  });

  it('checks what a blueprint may use, naming the addon or what SourceMod misses', async () => {
    const bobs = await upload(bob, campaign, 'bob.vpk');
    const admins = await upload(admin, second, 'admin.vpk');
    const plugin = await upload(admin, smxBytes(), 'p.smx');
    const off = { enabled: false, admins: [], plugins: [] };
    const check = (user: SessionUser, input: Parameters<typeof checkBlueprintAddons>[2]) =>
      refused(checkBlueprintAddons(handle.db, user, input));
    expect(await check(bob, { addons: [bobs, admins], sourcemod: off })).toEqual([
      400,
      `addon ${admins} not found`,
    ]);
    expect(await check(bob, { addons: [9999], sourcemod: off })).toEqual([400, 'addon 9999 not found']);
    expect(await check(bob, { addons: [bobs, bobs], sourcemod: off })).toEqual([
      400,
      `addon ${bobs} is listed twice`,
    ]);
    expect(await check(bob, { addons: [plugin], sourcemod: off })).toEqual([
      400,
      `addon ${plugin} is a SourceMod plugin: choose it among the SourceMod plugins`,
    ]);
    expect(await check(bob, { addons: [], sourcemod: { ...off, plugins: [bobs] } })).toEqual([
      400,
      `addon ${bobs} is not a SourceMod plugin`,
    ]);
    expect(
      await check(bob, {
        addons: [],
        sourcemod: { ...off, admins: [{ steamid: 'nobody', flags: 'z', name: '' }] },
      }),
    ).toEqual([
      400,
      'sourcemod: admin 1: "nobody" is not a SteamID (STEAM_0:1:123, [U:1:246] or a 17-digit SteamID64)',
    ]);
    expect(await check(bob, { addons: [], sourcemod: { ...off, enabled: true } })).toEqual([
      400,
      'SourceMod needs a ready metamod addon (Metamod:Source) and a ready sourcemod addon (SourceMod)',
    ]);
    await upload(admin, await sourcemodArchive(), 'sm.tar.gz');
    expect(await check(bob, { addons: [], sourcemod: { ...off, enabled: true } })).toEqual([
      400,
      'SourceMod needs a ready metamod addon (Metamod:Source)',
    ]);
    const metamod = await upload(admin, await metamodArchive(), 'mm.tar.gz');
    // Admins' SourceMod serves every user; a user's own VPK and the shared plugin are fine.
    await checkBlueprintAddons(handle.db, bob, {
      addons: [bobs, metamod],
      sourcemod: {
        enabled: true,
        admins: [{ steamid: '[U:1:246]', flags: '99:bcdefg', name: 'Bob' }],
        plugins: [plugin],
      },
    });
    // Root (and rcon, cvar, config) would take Bob past the console's rules from inside the game.
    await expect(
      checkBlueprintAddons(handle.db, bob, {
        addons: [bobs, metamod],
        sourcemod: {
          enabled: true,
          admins: [{ steamid: '[U:1:246]', flags: 'z', name: 'Bob' }],
          plugins: [],
        },
      }),
    ).rejects.toThrow(/flags z \(root, rcon, cvar, config\) reach past the console's rules/);
    // An admin may use anyone's addon.
    await checkBlueprintAddons(handle.db, admin, { addons: [bobs, admins], sourcemod: off });
  });

  it("saves a blueprint's addons, flags its running servers when they change, and builds the launch set", async () => {
    const vpk = await upload(admin, campaign, 'campaign.vpk');
    const sourcemod = await upload(admin, await sourcemodArchive(), 'sm.tar.gz');
    const metamod = await upload(admin, await metamodArchive(), 'mm.tar.gz');
    const plugin = await upload(admin, smxBytes(), 'funcommands.smx');
    const coop = await blueprint(admin, 'coop');
    const server = await runningServer(coop, 'alpha', 27015);
    const settings = {
      addons: [vpk, sourcemod, metamod],
      sourcemod: {
        enabled: true,
        admins: [{ steamid: '76561197960265974', flags: 'z', name: 'Alice' }],
        plugins: [plugin],
      },
    };
    await saveBlueprintAddons(handle.db, coop, settings);
    expect(await restartRequired(server)).toBe(1);
    await handle.db.updateTable('servers').set({ restart_required: 0 }).execute();
    await saveBlueprintAddons(handle.db, coop, settings);
    expect(await restartRequired(server)).toBe(0);

    const row = await handle.db
      .selectFrom('blueprints')
      .select(['id', 'sourcemod'])
      .where('id', '=', coop)
      .executeTakeFirstOrThrow();
    expect((await readBlueprintAddons(handle.db, [row])).get(coop)).toEqual(settings);
    const set = await addonSetForLaunch(handle.db, store, row);
    expect(set.vpks).toEqual([
      { id: vpk, filename: 'campaign.vpk', file: store.pathOf(sha(campaign), 'vpk') },
    ]);
    expect(set.sourcemod?.plugins).toEqual([
      { id: plugin, filename: 'funcommands.smx', file: store.pathOf(sha(smxBytes()), 'smx') },
    ]);
    expect(existsSync(path.join(set.sourcemod?.sourcemod ?? '', 'addons/sourcemod/bin'))).toBe(true);
    expect(existsSync(path.join(set.sourcemod?.metamod ?? '', 'addons/metamod.vdf'))).toBe(true);
    expect(set.sourcemod?.adminsIni).toContain('"STEAM_1:0:123" "z" // Alice\n');
    expect(await blueprintMaps(handle.db, coop)).toEqual(['c20m1_custom', 'c20m2_custom']);
  });
});
