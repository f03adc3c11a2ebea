import { existsSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { NOT_AN_ADDON } from '../../src/addons/archive.js';
import { CodeRefused, identifyUpload } from '../../src/addons/upload-type.js';
import { buildMapVpk } from '../../src/vpk/writer.js';
import {
  metamodArchive,
  smxBytes,
  sourcemodArchive,
  sourcemodEntries,
  type TarEntry,
  tarGz,
} from '../helpers/addon-files.js';
import { tempDir } from '../helpers/app.js';

const dir = tempDir('l4d2web-upload-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
async function identify(bytes: Buffer, limits?: { maxBytes: number; maxEntries: number }) {
  counter++;
  const file = path.join(dir, `upload-${counter}`);
  const tree = path.join(dir, `tree-${counter}`);
  await writeFile(file, bytes);
  const result = identifyUpload(file, tree, true, limits);
  return { result, tree };
}

async function refusal(bytes: Buffer): Promise<string> {
  const { result, tree } = await identify(bytes);
  const error = await result.then(
    () => null,
    (e: Error) => e,
  );
  expect(error, 'refused').not.toBeNull();
  // Nothing of a refused archive stays.
  expect(existsSync(tree)).toBe(false);
  return (error as Error).message;
}

const withEntry = async (entry: TarEntry) => tarGz([...sourcemodEntries(), entry]);

describe('upload type, by content', () => {
  it('knows a VPK by its signature, whatever its name, and lists its maps', async () => {
    const { result } = await identify(buildMapVpk(['c20m1_custom', 'c20m2_custom']));
    expect(await result).toEqual({ kind: 'vpk', maps: ['c20m1_custom', 'c20m2_custom'] });
  });

  it('knows a plugin by the SourcePawn magic', async () => {
    expect((await (await identify(smxBytes())).result).kind).toBe('plugin');
  });

  it('unpacks SourceMod and Metamod:Source, telling them apart by what they hold', async () => {
    const sm = await identify(await sourcemodArchive());
    expect(await sm.result).toEqual({ kind: 'sourcemod', maps: [], tree: sm.tree });
    expect(readdirSync(path.join(sm.tree, 'addons', 'sourcemod', 'plugins')).sort()).toEqual([
      'admin-flatfile.smx',
      'basecommands.smx',
      'disabled',
    ]);
    // Stored read-only (executables stay executable): a server cannot change every server's copy.
    expect(statSync(path.join(sm.tree, 'addons/sourcemod/configs/core.cfg')).mode & 0o777).toBe(0o444);
    expect(statSync(path.join(sm.tree, 'addons/sourcemod/bin/sourcemod_mm_i486.so')).mode & 0o777).toBe(
      0o555,
    );
    const mm = await identify(await metamodArchive());
    expect((await mm.result).kind).toBe('metamod');
    expect(existsSync(path.join(mm.tree, 'addons', 'metamod.vdf'))).toBe(true);
  });

  it('refuses everything else with one sentence', async () => {
    for (const bytes of [
      Buffer.from('just text'),
      Buffer.alloc(0),
      Buffer.from('PK\x03\x04zip'),
      gzipSync(Buffer.from('gzip, but no tar inside')),
      gzipSync(Buffer.alloc(1024)).subarray(0, 10),
      await tarGz([{ name: 'addons/readme.txt', content: 'a tar without SourceMod or Metamod' }]),
    ])
      expect(await refusal(bytes)).toBe(NOT_AN_ADDON);
    expect(NOT_AN_ADDON).toBe('not a VPK, SourceMod, Metamod:Source or plugin file');
  });

  it('refuses a VPK that does not hold up', async () => {
    const vpk = buildMapVpk(['c1m1_custom']);
    expect(await refusal(vpk.subarray(0, vpk.length - 3))).toBe(
      'not a valid VPK: maps/c1m1_custom.bsp runs past the end of the file',
    );
  });

  it('refuses an archive with "..", an absolute path or a link leaving the tree, writing nothing outside', async () => {
    const outside = path.join(dir, 'escaped.txt');
    expect(await refusal(await withEntry({ name: '../escaped.txt', content: 'x' }))).toBe(
      'archive entry "../escaped.txt" contains "..", which leaves the archive',
    );
    expect(
      await refusal(await withEntry({ name: 'addons/sourcemod/../../../escaped.txt', content: 'x' })),
    ).toMatch(/contains "\.\."/);
    expect(await refusal(await withEntry({ name: outside, content: 'x' }))).toBe(
      `archive entry "${outside}" is an absolute path`,
    );
    expect(await refusal(await withEntry({ name: 'addons/evil', type: 'symlink', linkname: '/etc' }))).toBe(
      'archive entry "addons/evil" links to an absolute path',
    );
    expect(
      await refusal(await withEntry({ name: 'addons/evil', type: 'symlink', linkname: '../../x' })),
    ).toBe('archive entry "addons/evil" links to "../../x", outside the archive');
    expect(
      await refusal(await withEntry({ name: 'addons/hard', type: 'link', linkname: '../outside' })),
    ).toMatch(/contains "\.\."/);
    expect(existsSync(outside)).toBe(false);
  });

  it('refuses writing through a link, and links that escape through other links', async () => {
    expect(
      await refusal(
        await tarGz([
          ...sourcemodEntries(),
          { name: 'addons/up', type: 'symlink', linkname: '..' },
          { name: 'addons/up/escaped.txt', content: 'x' },
        ]),
      ),
    ).toBe('archive entry "addons/up/escaped.txt" lies under "addons/up", which is not a folder');
    // Each link alone stays inside; together they lead out: `top` is the root, `top/..` its parent.
    expect(
      await refusal(
        await tarGz([
          ...sourcemodEntries(),
          { name: 'addons/top', type: 'symlink', linkname: '..' },
          { name: 'addons/out', type: 'symlink', linkname: 'top/..' },
        ]),
      ),
    ).toBe('archive entry "addons/out" links to "top/..", outside the archive');
    expect(
      await refusal(await withEntry({ name: 'addons/dangling', type: 'symlink', linkname: 'nothing/here' })),
    ).toMatch(/links to "nothing\/here", outside the archive/);
  });

  it('refuses code from someone who may not upload it before unpacking anything', async () => {
    for (const bytes of [
      await sourcemodArchive(),
      smxBytes(),
      await tarGz([{ name: '../evil', content: 'x' }]),
    ]) {
      const file = path.join(dir, `code-${++counter}`);
      const tree = path.join(dir, `code-tree-${counter}`);
      await writeFile(file, bytes);
      await expect(identifyUpload(file, tree, false)).rejects.toBeInstanceOf(CodeRefused);
      expect(existsSync(tree)).toBe(false);
    }
    const vpk = path.join(dir, `vpk-${++counter}`);
    await writeFile(vpk, buildMapVpk(['c20m1_custom']));
    expect((await identifyUpload(vpk, path.join(dir, `vpk-tree-${counter}`), false)).kind).toBe('vpk');
  });

  it('keeps links and hard links that stay inside', async () => {
    const { result, tree } = await identify(
      await tarGz([
        ...sourcemodEntries(),
        { name: 'addons/sourcemod/bin/current.so', type: 'symlink', linkname: 'sourcemod_mm_i486.so' },
        {
          name: 'addons/sourcemod/configs/core-copy.cfg',
          type: 'link',
          linkname: 'addons/sourcemod/configs/core.cfg',
        },
      ]),
    );
    expect((await result).kind).toBe('sourcemod');
    expect(lstatSync(path.join(tree, 'addons/sourcemod/bin/current.so')).isSymbolicLink()).toBe(true);
    expect(statSync(path.join(tree, 'addons/sourcemod/configs/core-copy.cfg')).isFile()).toBe(true);
  });

  it('refuses devices, FIFOs, duplicate entries and archive bombs', async () => {
    expect(await refusal(await withEntry({ name: 'addons/pipe', type: 'fifo' }))).toBe(
      'archive entry "addons/pipe" is a fifo, which an addon never holds',
    );
    expect(
      await refusal(await withEntry({ name: 'addons/sourcemod/configs/core.cfg', content: 'again' })),
    ).toBe('archive entry "addons/sourcemod/configs/core.cfg" appears twice');
    const big = await identify(await sourcemodArchive(), { maxBytes: 100, maxEntries: 1000 });
    await expect(big.result).rejects.toThrow('archive unpacks to more than 0 MB');
    // A hard link is unpacked as a copy: each one counts its file's size again.
    const links = Array.from({ length: 40 }, (_, index) => ({
      name: `addons/copy-${index}`,
      type: 'link' as const,
      linkname: 'addons/zeros',
    }));
    const bomb = await identify(
      await tarGz([
        ...sourcemodEntries(),
        { name: 'addons/zeros', content: Buffer.alloc(64 * 1024) },
        ...links,
      ]),
      { maxBytes: 1024 * 1024, maxEntries: 1000 },
    );
    await expect(bomb.result).rejects.toThrow('archive unpacks to more than 1 MB');
    expect(existsSync(bomb.tree)).toBe(false);
    const many = await identify(await sourcemodArchive(), { maxBytes: 1e9, maxEntries: 5 });
    await expect(many.result).rejects.toThrow('archive holds more than 5 entries');
    expect(existsSync(many.tree)).toBe(false);
  });
});
