import { rmSync } from 'node:fs';
import { open, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_MAPS, parseVpk, readVpk, VpkError } from '../../src/vpk/vpk.js';
import { buildMapVpk, buildVpk, vpkDirectory } from '../../src/vpk/writer.js';
import { tempDir } from '../helpers/app.js';

const dir = tempDir('l4d2web-vpk-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (bytes: Buffer) => parseVpk(bytes, bytes.length);

describe('VPK reader', () => {
  it.each([1, 2] as const)('lists the files and maps/*.bsp of a version %i VPK', (version) => {
    const vpk = buildVpk(
      {
        'addoninfo.txt': 'info',
        'maps/c14m1_custom.bsp': 'VBSP one',
        'maps/c14m2_custom.bsp': 'VBSP two',
        'maps/graphs/c14m1_custom.ain': 'graph',
        'materials/x/y.vtf': 'vtf',
        README: 'no extension',
      },
      version,
    );
    expect(vpk.subarray(0, 4)).toEqual(Buffer.from([0x34, 0x12, 0xaa, 0x55]));
    const info = parse(vpk);
    expect(info.version).toBe(version);
    expect(info.maps).toEqual(['c14m1_custom', 'c14m2_custom']);
    expect(info.files.map((f) => f.path).sort()).toEqual([
      'README',
      'addoninfo.txt',
      'maps/c14m1_custom.bsp',
      'maps/c14m2_custom.bsp',
      'maps/graphs/c14m1_custom.ain',
      'materials/x/y.vtf',
    ]);
    expect(info.files.find((f) => f.path === 'maps/c14m2_custom.bsp')?.size).toBe(8);
  });

  it('lists only map names a server can be sent to, and at most MAX_MAPS of them', () => {
    const odd = buildVpk({
      'maps/c1m1_ok.bsp': 'VBSP',
      'maps/has space.bsp': 'VBSP',
      'maps/semi;colon.bsp': 'VBSP',
      'maps/-dash-first.bsp': 'VBSP',
      [`maps/${'x'.repeat(65)}.bsp`]: 'VBSP',
      'maps/a..b.bsp': 'VBSP',
    });
    expect(parse(odd).maps).toEqual(['c1m1_ok']);
    const many = buildMapVpk(
      Array.from({ length: MAX_MAPS + 50 }, (_, index) => `m${String(index).padStart(5, '0')}`),
    );
    const maps = parse(many).maps;
    expect(maps).toHaveLength(MAX_MAPS);
    expect(maps[0]).toBe('m00000');
  });

  it('reads a VPK from disk (version 1 and 2)', async () => {
    for (const version of [1, 2] as const) {
      const file = path.join(dir, `v${version}.vpk`);
      await writeFile(file, buildMapVpk(['c15m1_test'], version));
      expect((await readVpk(file)).maps).toEqual(['c15m1_test']);
    }
  });

  it('refuses a file without the signature, a short one and an unknown version', () => {
    expect(() => parse(Buffer.from('PK\x03\x04 a zip file, not a vpk'))).toThrow(/VPK signature 34 12 AA 55/);
    expect(() => parse(Buffer.from([0x34, 0x12, 0xaa]))).toThrow(/too short/);
    const v3 = buildMapVpk(['a']);
    v3.writeUInt32LE(3, 4);
    expect(() => parse(v3)).toThrow(/unknown VPK version 3/);
  });

  it('refuses a truncated VPK, wherever it was cut', () => {
    const vpk = buildMapVpk(['c1m1_custom', 'c1m2_custom']);
    const directoryEnd = vpkDirectory([
      { path: 'addoninfo.txt', size: 1 },
      { path: 'maps/c1m1_custom.bsp', size: 1 },
      { path: 'maps/c1m2_custom.bsp', size: 1 },
    ]).length;
    for (const length of [8, 20, directoryEnd - 1, vpk.length - 1]) {
      expect(() => parse(vpk.subarray(0, length)), `cut at ${length}`).toThrow(VpkError);
    }
    expect(() => parse(vpk.subarray(0, vpk.length - 1))).toThrow(/runs past the end of the file/);
    const v2 = buildMapVpk(['c1m1_custom'], 2);
    expect(() => parse(v2.subarray(0, v2.length - 10))).toThrow(/past the end of the file/);
  });

  it('refuses a corrupt tree: a bad entry terminator, a name running off the end, another archive', () => {
    const vpk = buildVpk({ 'maps/c1m1_custom.bsp': 'VBSP' });
    const terminator = vpk.indexOf(Buffer.from([0xff, 0xff]), 12 + 'bsp\0maps\0c1m1_custom\0'.length + 14);
    const badTerminator = Buffer.from(vpk);
    badTerminator.writeUInt16LE(0x1234, terminator);
    expect(() => parse(badTerminator)).toThrow(/directory entry maps\/c1m1_custom.bsp is corrupt/);

    const noNul = Buffer.from(vpk);
    noNul.fill(0x41, 12, 12 + noNul.readUInt32LE(8));
    expect(() => parse(noNul)).toThrow(/directory ends inside a name/);

    const otherArchive = Buffer.from(vpk);
    otherArchive.writeUInt16LE(0, terminator - 10);
    expect(() => parse(otherArchive)).toThrow(/lives in another archive \(0\); an addon is one file/);

    const hugeTree = Buffer.from(vpk);
    hugeTree.writeUInt32LE(0xfffffff0, 8);
    expect(() => parse(hugeTree)).toThrow(/implausibly large/);
  });

  it('refuses a version 2 tree that does not match its checksum', () => {
    const vpk = buildMapVpk(['c1m1_custom'], 2);
    const changed = Buffer.from(vpk);
    // A byte of a map name: still a well-formed tree, but not the one the checksum was made of.
    changed[changed.indexOf('c1m1_custom')] = 'd'.charCodeAt(0);
    const checksums = changed.subarray(changed.length - 48);
    expect(() => parseVpk(changed, changed.length, checksums)).toThrow(/does not match its checksum/);
    expect(parseVpk(vpk, vpk.length, vpk.subarray(vpk.length - 48)).maps).toEqual(['c1m1_custom']);
  });

  it('reads only the directory of a large file, whose data it does not load', async () => {
    const file = path.join(dir, 'large.vpk');
    const size = 50 * 1024 * 1024;
    const directory = vpkDirectory([{ path: 'maps/c9m9_big.bsp', size }]);
    const handle = await open(file, 'w');
    await handle.write(directory, 0, directory.length, 0);
    await handle.truncate(directory.length + size);
    await handle.close();
    expect((await readVpk(file)).maps).toEqual(['c9m9_big']);
    await truncate(file, directory.length + size - 1);
    await expect(readVpk(file)).rejects.toThrow(/maps\/c9m9_big.bsp runs past the end of the file/);
  });
});
