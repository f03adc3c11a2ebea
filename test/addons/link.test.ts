import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackAddonArchive } from '../../src/addons/archive.js';
import { type AddonSet, linkAddons } from '../../src/addons/link.js';
import { instancePaths } from '../../src/instances/layout.js';
import { metamodArchive, sourcemodArchive } from '../helpers/addon-files.js';
import { tempDir } from '../helpers/app.js';

const dir = tempDir('l4d2web-link-');
const paths = instancePaths(path.join(dir, 'data'), 1);
const addons = paths.addonsDir;
let metamod: string;
let sourcemod: string;
const file = (name: string) => path.join(dir, 'store', name);

beforeAll(async () => {
  await mkdir(path.join(dir, 'store'), { recursive: true });
  for (const name of ['a.vpk', 'b.vpk', 'c.vpk', 'p1.smx', 'p2.smx']) await writeFile(file(name), name);
  for (const [name, archive] of [
    ['mm', await metamodArchive()],
    ['sm', await sourcemodArchive()],
  ] as const) {
    await writeFile(file(`${name}.tar.gz`), archive);
    await unpackAddonArchive(file(`${name}.tar.gz`), file(name));
  }
  metamod = file('mm');
  sourcemod = file('sm');
  await mkdir(paths.cfgDir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withSourcemod = (
  plugins: AddonSet['vpks'],
  adminsIni = '"STEAM_0:1:1" "z"\n',
): AddonSet['sourcemod'] => ({
  metamod,
  sourcemod,
  plugins,
  adminsIni,
});

describe("linking a blueprint's addons into an instance", () => {
  it('links each VPK by its name into the store, a clashing name with its id', async () => {
    await linkAddons(paths, {
      vpks: [
        { id: 1, filename: 'campaign.vpk', file: file('a.vpk') },
        { id: 2, filename: 'campaign.vpk', file: file('b.vpk') },
      ],
      sourcemod: null,
    });
    expect((await readdir(addons)).sort()).toEqual(['campaign.vpk', 'campaign_2.vpk']);
    expect(readlinkSync(path.join(addons, 'campaign.vpk'))).toBe(file('a.vpk'));
    expect(readlinkSync(path.join(addons, 'campaign_2.vpk'))).toBe(file('b.vpk'));
  });

  it('removes what the blueprint no longer names, keeps what the server made', async () => {
    await writeFile(path.join(addons, 'server-made.txt'), 'mine');
    await linkAddons(paths, {
      vpks: [{ id: 3, filename: 'other.vpk', file: file('c.vpk') }],
      sourcemod: null,
    });
    expect((await readdir(addons)).sort()).toEqual(['other.vpk', 'server-made.txt']);
  });

  it("overlays Metamod:Source and SourceMod: shared trees linked, the server's folders its own", async () => {
    await linkAddons(paths, {
      vpks: [],
      sourcemod: withSourcemod([{ id: 5, filename: 'funcommands.smx', file: file('p1.smx') }]),
    });
    const kind = (relative: string) => {
      const stat = lstatSync(path.join(addons, relative));
      return stat.isSymbolicLink()
        ? `link ${readlinkSync(path.join(addons, relative))}`
        : stat.isDirectory()
          ? 'dir'
          : 'file';
    };
    expect(kind('metamod.vdf')).toBe(`link ${metamod}/addons/metamod.vdf`);
    expect(kind('metamod')).toBe('dir');
    // Both packages put files into metamod/.
    expect(kind('metamod/bin')).toBe(`link ${metamod}/addons/metamod/bin`);
    expect(kind('metamod/sourcemod.vdf')).toBe(`link ${sourcemod}/addons/metamod/sourcemod.vdf`);
    expect(kind('sourcemod')).toBe('dir');
    expect(kind('sourcemod/bin')).toBe(`link ${sourcemod}/addons/sourcemod/bin`);
    expect(kind('sourcemod/gamedata')).toBe(`link ${sourcemod}/addons/sourcemod/gamedata`);
    expect(kind('sourcemod/plugins')).toBe('dir');
    expect(kind('sourcemod/plugins/admin-flatfile.smx')).toBe(
      `link ${sourcemod}/addons/sourcemod/plugins/admin-flatfile.smx`,
    );
    expect(kind('sourcemod/plugins/funcommands.smx')).toBe(`link ${file('p1.smx')}`);
    for (const own of ['sourcemod/data', 'sourcemod/logs', 'sourcemod/configs'])
      expect(kind(own)).toBe('dir');
    // Stock configs copied, writable; the admins written from the blueprint.
    expect(kind('sourcemod/configs/core.cfg')).toBe('file');
    expect(statSync(path.join(addons, 'sourcemod/configs/core.cfg')).mode & 0o200).toBe(0o200);
    expect(kind('sourcemod/configs/geoip/GeoIP.dat')).toBe('file');
    expect(readFileSync(path.join(addons, 'sourcemod/configs/admins_simple.ini'), 'utf8')).toBe(
      '"STEAM_0:1:1" "z"\n',
    );
    expect(readFileSync(path.join(paths.cfgDir, 'sourcemod/sourcemod.cfg'), 'utf8')).toBe(
      'sm_show_activity 13\n',
    );
    // The old VPK went.
    expect(existsSync(path.join(addons, 'other.vpk'))).toBe(false);
  });

  it('keeps what the server wrote and never writes through a link the server planted', async () => {
    await writeFile(path.join(addons, 'sourcemod/logs/errors.log'), 'log');
    await writeFile(path.join(addons, 'sourcemod/configs/core.cfg'), 'edited by the server');
    const victim = path.join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    rmSync(path.join(addons, 'sourcemod/configs/admins_simple.ini'));
    await symlink(victim, path.join(addons, 'sourcemod/configs/admins_simple.ini'));
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(elsewhere);
    rmSync(path.join(addons, 'sourcemod/data'), { recursive: true });
    await symlink(elsewhere, path.join(addons, 'sourcemod/data'));

    await linkAddons(paths, { vpks: [], sourcemod: withSourcemod([], '"[U:1:2]" "b"\n') });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(path.join(addons, 'sourcemod/configs/admins_simple.ini')).isFile()).toBe(true);
    expect(readFileSync(path.join(addons, 'sourcemod/configs/admins_simple.ini'), 'utf8')).toBe(
      '"[U:1:2]" "b"\n',
    );
    expect(lstatSync(path.join(addons, 'sourcemod/data')).isDirectory()).toBe(true);
    expect(await readdir(elsewhere)).toEqual([]);
    expect(readFileSync(path.join(addons, 'sourcemod/logs/errors.log'), 'utf8')).toBe('log');
    expect(readFileSync(path.join(addons, 'sourcemod/configs/core.cfg'), 'utf8')).toBe(
      'edited by the server',
    );
    // The plugin the blueprint dropped is gone, the stock ones stay.
    expect(existsSync(path.join(addons, 'sourcemod/plugins/funcommands.smx'))).toBe(false);
    expect(existsSync(path.join(addons, 'sourcemod/plugins/basecommands.smx'))).toBe(true);
  });

  it("turning SourceMod off removes every link of it; the server's logs and data stay", async () => {
    await linkAddons(paths, { vpks: [], sourcemod: null });
    expect(existsSync(path.join(addons, 'metamod.vdf'))).toBe(false);
    expect(await readdir(path.join(addons, 'metamod'))).toEqual([]);
    expect((await readdir(path.join(addons, 'sourcemod'))).sort()).toEqual([
      'configs',
      'data',
      'logs',
      'plugins',
    ]);
    expect(await readdir(path.join(addons, 'sourcemod/plugins'))).toEqual([]);
    expect(readFileSync(path.join(addons, 'sourcemod/logs/errors.log'), 'utf8')).toBe('log');
  });
});
