import { describe, expect, it } from 'vitest';
import { distinctNames, sanitizedFilename, workshopFilename } from '../../src/addons/filenames.js';
import {
  adminsProblems,
  adminsSimpleIni,
  flagsProblem,
  iniSteamId,
  isSteamId,
} from '../../src/addons/sourcemod-admins.js';

describe('stored names', () => {
  it('has exactly one dot, which L4D2 on Linux needs to load a VPK', () => {
    expect(sanitizedFilename('My Campaign v1.2.vpk', 'vpk')).toBe('My_Campaign_v1_2.vpk');
    expect(sanitizedFilename('c1.final.VPK', 'vpk')).toBe('c1_final.vpk');
    expect(sanitizedFilename('../../etc/passwd', 'vpk')).toBe('passwd.vpk');
    expect(sanitizedFilename('C:\\maps\\dead.air.vpk', 'vpk')).toBe('dead_air.vpk');
    expect(sanitizedFilename('...', 'vpk')).toBe('addon.vpk');
    expect(sanitizedFilename('', 'plugin')).toBe('addon.smx');
    expect(sanitizedFilename('funcommands.smx', 'plugin')).toBe('funcommands.smx');
    expect(sanitizedFilename('sourcemod-1.12.0-git7210-linux.tar.gz', 'sourcemod')).toBe(
      'sourcemod-1_12_0-git7210-linux.tar.gz',
    );
    expect(sanitizedFilename(`${'x'.repeat(300)}.vpk`, 'vpk')).toBe(`${'x'.repeat(64)}.vpk`);
    expect(sanitizedFilename('ünïcode map\u202e.vpk', 'vpk')).toBe('n_code_map.vpk');
    for (const name of ['a.b.c.vpk', 'x..vpk', '.hidden.vpk'])
      expect(sanitizedFilename(name, 'vpk').split('.')).toHaveLength(2);
    expect(workshopFilename('123456789')).toBe('123456789.vpk');
  });

  it('gives a second addon of the same name its id, so neither hides the other', () => {
    const names = distinctNames([
      { id: 3, filename: 'map.vpk' },
      { id: 7, filename: 'MAP.vpk' },
      { id: 9, filename: 'other.vpk' },
    ]);
    expect([...names]).toEqual([
      [3, 'map.vpk'],
      [7, 'MAP_7.vpk'],
      [9, 'other.vpk'],
    ]);
    // A name made for a clash may itself be taken: it never hides another addon either.
    const crowded = distinctNames([
      { id: 1, filename: 'map.vpk' },
      { id: 2, filename: 'map_3.vpk' },
      { id: 3, filename: 'map.vpk' },
      { id: 4, filename: 'map_3_2.vpk' },
      { id: 5, filename: 'map_3.vpk' },
    ]);
    expect(new Set(crowded.values()).size).toBe(5);
    expect(crowded.get(3)).toBe('map_3_2.vpk');
    expect(crowded.get(5)).toBe('map_3_5.vpk');
  });
});

describe('SourceMod admins', () => {
  it('accepts the three SteamID forms and nothing else', () => {
    for (const id of [
      'STEAM_0:1:123',
      'STEAM_1:0:4294967',
      '[U:1:246]',
      '76561197960265974',
      '76561197960265728',
    ])
      expect(isSteamId(id), id).toBe(true);
    for (const id of [
      'STEAM_0:2:123',
      'STEAM_6:1:1',
      'STEAM_0:1:',
      'steam_0:1:123',
      '[U:0:246]',
      '[G:1:246]',
      '7656119796026597',
      '765611979602659744',
      '12345678901234567',
      'STEAM_0:1:123 ',
      '"STEAM_0:1:1"',
      '[U:1:99999999999]',
    ])
      expect(isSteamId(id), id).toBe(false);
  });

  it('writes a SteamID64 as Steam2, which the flat-file reader understands; the others as given', () => {
    expect(iniSteamId('76561197960265974')).toBe('STEAM_1:0:123');
    expect(iniSteamId('76561197960265975')).toBe('STEAM_1:1:123');
    expect(iniSteamId('STEAM_0:1:123')).toBe('STEAM_0:1:123');
    expect(iniSteamId('[U:1:246]')).toBe('[U:1:246]');
  });

  it('takes flag letters, optionally after an immunity level', () => {
    for (const flags of ['z', 'abcdefghijklmn', 'opqrst', '99:z', '0:b', '255:abz'])
      expect(flagsProblem(flags), flags).toBeNull();
    expect(flagsProblem('')).toMatch(/must be SourceMod flag letters/);
    expect(flagsProblem('u')).toMatch(/must be SourceMod flag letters/);
    expect(flagsProblem('ABC')).toMatch(/must be SourceMod flag letters/);
    expect(flagsProblem('99:')).toMatch(/must be SourceMod flag letters/);
    expect(flagsProblem(':z')).toMatch(/must be SourceMod flag letters/);
    expect(flagsProblem('256:z')).toBe('immunity in "256:z" must be 0-255');
    expect(flagsProblem('zz')).toBe('flags "zz" repeat a letter');
    expect(flagsProblem('z" "pw')).toMatch(/must be SourceMod flag letters/);
  });

  it('names each refused entry', () => {
    expect(
      adminsProblems(
        [
          { steamid: 'STEAM_0:1:123', flags: '99:z', name: 'Alice' },
          { steamid: 'bob', flags: 'z', name: 'Bob' },
          { steamid: '[U:1:8]', flags: 'xyz', name: '' },
          { steamid: 'STEAM_1:0:4', flags: 'b', name: 'Eve\u202e' },
          { steamid: '[U:1:247]', flags: 'b', name: 'Alice again' },
        ],
        true,
      ),
    ).toEqual([
      'admin 2 "Bob": "bob" is not a SteamID (STEAM_0:1:123, [U:1:246] or a 17-digit SteamID64)',
      'admin 3: flags "xyz" must be SourceMod flag letters (a-t, z), optionally after an immunity level (99:z)',
      'admin 4 "Eve\\u202E": name contains U+202E, which is not allowed',
      'admin 5 "Alice again": "[U:1:247]" is listed twice',
    ]);
    expect(adminsProblems([], false)).toEqual([]);
  });

  it('lets only a panel admin grant root, rcon, cvar and config (they reach past the console rules)', () => {
    const admins = (flags: string) => [{ steamid: 'STEAM_0:1:123', flags, name: 'Me' }];
    for (const flags of ['z', '99:z', 'bm', 'h', 'abci', 'bcdefgjklnopqrst'])
      expect(adminsProblems(admins(flags), true), flags).toEqual([]);
    expect(adminsProblems(admins('99:z'), false)).toEqual([
      'admin 1 "Me": flags z (root, rcon, cvar, config) reach past the console\'s rules: only an admin may grant them',
    ]);
    expect(adminsProblems(admins('bhim'), false)).toEqual([
      'admin 1 "Me": flags m, h, i (root, rcon, cvar, config) reach past the console\'s rules: only an admin may grant them',
    ]);
    expect(adminsProblems(admins('bcdefgjklnopqrst'), false)).toEqual([]);
  });

  it('writes admins_simple.ini: identity, flags, the name as a comment', () => {
    const ini = adminsSimpleIni([
      { steamid: 'STEAM_0:1:123', flags: '99:z', name: 'Alice' },
      { steamid: '76561197960265974', flags: 'bcd', name: '' },
      { steamid: '[U:1:246]', flags: 'b', name: 'Zoë "the boss"' },
    ]);
    const lines = ini.split('\n').filter((line) => line !== '' && !line.startsWith('//'));
    expect(lines).toEqual([
      '"STEAM_0:1:123" "99:z" // Alice',
      '"STEAM_1:0:123" "bcd"',
      '"[U:1:246]" "b" // Zoë "the boss"',
    ]);
    expect(ini.endsWith('\n')).toBe(true);
  });
});
