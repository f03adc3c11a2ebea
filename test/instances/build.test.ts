import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layOutInstallShape } from '../../src/bench/install-shape.js';
import { Instances } from '../../src/instances/instances.js';
import { removeSharedCfgs, sharedCfgDir } from '../../src/instances/migrate.js';
import { tempDir } from '../helpers/app.js';
import { treeSnapshot } from '../helpers/tree.js';

let dataDir: string;
let srcdsDir: string;
let instances: Instances;

beforeEach(() => {
  dataDir = tempDir();
  srcdsDir = path.join(dataDir, 'srcds');
  // A fiftieth of a real install's loose files: the same shape, quicker to lay out.
  layOutInstallShape(srcdsDir, 0.02);
  instances = new Instances({ dataDir, srcdsDir });
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const kind = (file: string) => {
  const stat = lstatSync(file);
  return stat.isSymbolicLink() ? 'link' : stat.isDirectory() ? 'dir' : 'file';
};

describe('Instances.build', () => {
  it('mirrors the install with links, whole subtrees at once; the install is not written', async () => {
    const before = treeSnapshot(srcdsDir);
    const { game, cfgDir } = await instances.build(1);
    expect(game).toBe(path.join(dataDir, 'servers', '1', 'game'));
    expect(readdirSync(game).sort()).toEqual(readdirSync(srcdsDir).sort());
    for (const name of ['srcds_run', 'bin', 'hl2', 'platform', 'update', 'steamapps', 'left4dead2_dlc1'])
      expect(readlinkSync(path.join(game, name))).toBe(path.join(srcdsDir, name));
    for (const name of ['pak01_dir.vpk', 'gameinfo.txt', 'materials', 'models', 'scripts', 'bin'])
      expect(readlinkSync(path.join(game, 'left4dead2', name))).toBe(path.join(srcdsDir, 'left4dead2', name));
    expect(readlinkSync(path.join(cfgDir, 'server.cfg'))).toBe(
      path.join(srcdsDir, 'left4dead2', 'cfg', 'server.cfg'),
    );
    // Real, the server's own: where it writes.
    for (const dir of [
      '',
      'left4dead2',
      'left4dead2/cfg',
      'left4dead2/maps',
      'left4dead2/addons',
      'left4dead2/logs',
    ])
      expect(kind(path.join(game, dir)), dir).toBe('dir');
    for (const dir of ['downloads', 'downloadlists', 'ems', 'maps/graphs'])
      expect(kind(path.join(game, 'left4dead2', dir)), dir).toBe('dir');
    expect(readdirSync(path.join(game, 'left4dead2', 'addons'))).toEqual([]);
    expect(kind(path.join(cfgDir, 'banned_user.cfg'))).toBe('file');
    // A few hundred entries, however many files the install holds.
    const entries = Object.keys(treeSnapshot(game)).length;
    expect(entries).toBeLessThan(200);
    expect(Object.keys(before).length).toBeGreaterThan(entries * 5);
    expect(treeSnapshot(srcdsDir)).toEqual(before);
  });

  it('rebuilds from the install as it is now, keeping what the server wrote', async () => {
    const { game, cfgDir, logsDir, addonsDir } = await instances.build(1);
    await writeFile(path.join(cfgDir, 'l4d2web.cfg'), 'hostname one\n');
    await writeFile(path.join(cfgDir, 'banned_user.cfg'), 'banid 0 STEAM_1:0:1\n');
    await writeFile(path.join(logsDir, 'L0101000.log'), 'a log\n');
    await mkdir(path.join(addonsDir, 'sourcemod'));
    await writeFile(path.join(game, 'left4dead2', 'modelsounds.cache'), 'cache\n');
    // What a build that died half-way leaves.
    await symlink(
      path.join(srcdsDir, 'srcds_run'),
      path.join(game, 'left4dead2', 'gameinfo.txt.l4d2web-new'),
    );
    // The game is updated: a file appears, one goes, one stock cfg becomes a folder.
    await writeFile(path.join(srcdsDir, 'left4dead2', 'pak01_099.vpk'), 'new\n');
    await unlink(path.join(srcdsDir, 'left4dead2', 'motd.txt'));
    await rm(path.join(srcdsDir, 'left4dead2', 'cfg', 'stock3.cfg'));
    await mkdir(path.join(srcdsDir, 'left4dead2', 'cfg', 'stock3.cfg'));
    const before = treeSnapshot(srcdsDir);

    await instances.build(1);
    expect(readlinkSync(path.join(game, 'left4dead2', 'pak01_099.vpk'))).toBe(
      path.join(srcdsDir, 'left4dead2', 'pak01_099.vpk'),
    );
    expect(existsSync(path.join(game, 'left4dead2', 'motd.txt'))).toBe(false);
    expect(kind(path.join(cfgDir, 'stock3.cfg'))).toBe('link');
    expect(statSync(path.join(cfgDir, 'stock3.cfg')).isDirectory()).toBe(true);
    expect(readFileSync(path.join(cfgDir, 'l4d2web.cfg'), 'utf8')).toBe('hostname one\n');
    expect(readFileSync(path.join(cfgDir, 'banned_user.cfg'), 'utf8')).toBe('banid 0 STEAM_1:0:1\n');
    expect(readdirSync(logsDir)).toEqual(['L0101000.log']);
    expect(readdirSync(addonsDir)).toEqual(['sourcemod']);
    expect(readFileSync(path.join(game, 'left4dead2', 'modelsounds.cache'), 'utf8')).toBe('cache\n');
    expect(readdirSync(path.join(game, 'left4dead2')).some((name) => name.endsWith('.l4d2web-new'))).toBe(
      false,
    );
    expect(treeSnapshot(srcdsDir)).toEqual(before);
  });

  it('never lists or writes through a link where a real directory belongs', async () => {
    const { game, cfgDir, logsDir } = await instances.build(1);
    // cfg/ and logs/ made links into the install (by hand, or by an older layout).
    await rm(cfgDir, { recursive: true });
    await symlink(path.join(srcdsDir, 'left4dead2', 'cfg'), cfgDir);
    await rm(logsDir, { recursive: true });
    await mkdir(path.join(srcdsDir, 'left4dead2', 'logs'));
    await symlink(path.join(srcdsDir, 'left4dead2', 'logs'), logsDir);
    const before = treeSnapshot(srcdsDir);
    await instances.build(1);
    expect(kind(cfgDir)).toBe('dir');
    expect(kind(logsDir)).toBe('dir');
    // Read through the link, the install's server.cfg would have looked like the server's own file.
    expect(readlinkSync(path.join(cfgDir, 'server.cfg'))).toBe(
      path.join(srcdsDir, 'left4dead2', 'cfg', 'server.cfg'),
    );
    expect(kind(path.join(game, 'left4dead2'))).toBe('dir');
    expect(treeSnapshot(srcdsDir)).toEqual(before);
  });

  it('builds one server at a time: overlapping builds all succeed and leave one clean tree', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => instances.build(7)));
    expect(new Set(results.map((paths) => paths.game)).size).toBe(1);
    const first = treeSnapshot(instances.paths(7).game);
    await instances.build(7);
    const again = treeSnapshot(instances.paths(7).game);
    expect(Object.keys(again).sort()).toEqual(Object.keys(first).sort());
  });

  it('builds an empty tree for a missing install, so the launch can say srcds_run is missing', async () => {
    const empty = new Instances({ dataDir, srcdsDir: path.join(dataDir, 'nothing') });
    const { game } = await empty.build(3);
    expect(existsSync(path.join(game, 'srcds_run'))).toBe(false);
    expect(kind(path.join(game, 'left4dead2', 'cfg'))).toBe('dir');
  });
});

describe('Instances.rebuildAll', () => {
  it('rebuilds every existing instance and no other, following the install', async () => {
    await instances.build(2);
    await instances.build(10);
    await mkdir(path.join(dataDir, 'servers', '5'), { recursive: true });
    await writeFile(path.join(srcdsDir, 'left4dead2', 'pak01_100.vpk'), 'update\n');
    expect(await instances.rebuildAll()).toEqual([2, 10]);
    for (const id of [2, 10])
      expect(existsSync(path.join(instances.paths(id).game, 'left4dead2', 'pak01_100.vpk'))).toBe(true);
    expect(existsSync(instances.paths(5).game)).toBe(false);
  });
});

describe('removeSharedCfgs (the upgrade from one shared cfg folder)', () => {
  it('removes the old per-server cfgs and their folder, and is idempotent', async () => {
    const shared = sharedCfgDir(srcdsDir);
    await mkdir(shared);
    await writeFile(path.join(shared, 'server-1.cfg'), 'rcon_password "one"\n');
    await writeFile(path.join(shared, 'server-12.cfg'), 'rcon_password "twelve"\n');
    expect((await removeSharedCfgs(srcdsDir)).sort()).toEqual([
      'left4dead2/cfg/l4d2web/',
      'left4dead2/cfg/l4d2web/server-1.cfg',
      'left4dead2/cfg/l4d2web/server-12.cfg',
    ]);
    expect(existsSync(shared)).toBe(false);
    expect(existsSync(path.join(srcdsDir, 'left4dead2', 'cfg', 'server.cfg'))).toBe(true);
    expect(await removeSharedCfgs(srcdsDir)).toEqual([]);
  });

  it('keeps files in the folder that are not ours, and the folder with them', async () => {
    const shared = sharedCfgDir(srcdsDir);
    await mkdir(shared);
    await writeFile(path.join(shared, 'server-3.cfg'), 'rcon_password "three"\n');
    await writeFile(path.join(shared, 'notes.txt'), 'mine\n');
    expect(await removeSharedCfgs(srcdsDir)).toEqual(['left4dead2/cfg/l4d2web/server-3.cfg']);
    expect(readdirSync(shared)).toEqual(['notes.txt']);
  });
});
