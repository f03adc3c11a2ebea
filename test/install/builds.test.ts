import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildidOfManifest,
  manifestPath,
  readInstalledBuildid,
  remoteBuildidOf,
  updateAvailable,
} from '../../src/install/builds.js';
import { findVdfBlock, formatVdf, parseVdf, VdfError, vdfGet } from '../../src/install/vdf.js';
import { tempDir } from '../helpers/app.js';

/** app_info_print as SteamCMD prints it under a terminal: the banner, the VDF, the end. */
const APP_INFO = [
  "Redirecting stderr to '/home/steam/Steam/logs/stderr.txt'",
  'Loading Steam API...OK',
  '',
  'Connecting anonymously to Steam Public...OK',
  'Waiting for user info...OK',
  'AppID : 222860, change number : 26113744/0, last change : Thu Nov 28 17:12:35 2024 ',
  '"222860"',
  '{',
  '\t"common"',
  '\t{',
  '\t\t"name"\t\t"Left 4 Dead 2 Dedicated Server"',
  '\t\t"oslist"\t\t"windows,linux" [$WIN32]',
  '\t}',
  '\t"depots"',
  '\t{',
  '\t\t"222861"',
  '\t\t{',
  '\t\t\t"manifests" { "public" { "gid" "1234" } }',
  '\t\t}',
  '\t\t"branches"',
  '\t\t{',
  '\t\t\t"public"',
  '\t\t\t{',
  '\t\t\t\t"buildid"\t\t"16446406"',
  '\t\t\t\t"timeupdated"\t\t"1732813945"',
  '\t\t\t}',
  '\t\t\t"beta"',
  '\t\t\t{',
  '\t\t\t\t"buildid"\t\t"16500000"',
  '\t\t\t}',
  '\t\t}',
  '\t}',
  '}',
  'Unloading Steam API...OK',
].join('\r\n');

describe('VDF', () => {
  it('parses quoted and bare keys, blocks, comments, escapes and conditions', () => {
    const vdf = parseVdf('"a" { b "1" // note\n "c \\"q\\"" "x\\\\y" "d" { } "e" "2" [$LINUX] }');
    expect(vdf).toEqual({ a: { b: '1', 'c "q"': 'x\\y', d: {}, e: '2' } });
    expect(vdfGet(vdf, 'A', 'B')).toBe('1');
  });

  it('refuses malformed text', () => {
    expect(() => parseVdf('"a" { "b" "1"')).toThrow(VdfError);
    expect(() => parseVdf('"a" "unterminated')).toThrow(VdfError);
    expect(() => parseVdf('}')).toThrow(VdfError);
  });

  it('writes what it reads', () => {
    const object = { appid: '222860', InstalledDepots: { '222861': { size: '1' } } };
    expect(parseVdf(formatVdf('AppState', object))).toEqual({ AppState: object });
  });

  it('finds a block inside other output, or null', () => {
    expect(vdfGet(findVdfBlock(APP_INFO, '222860') ?? {}, 'common', 'name')).toBe(
      'Left 4 Dead 2 Dedicated Server',
    );
    expect(findVdfBlock('No app info for AppID 222860 found', '222860')).toBeNull();
    expect(findVdfBlock('"222860"\n{\n"common" {', '222860')).toBeNull();
  });
});

describe('builds', () => {
  it('reads branches.public.buildid from app_info_print (not another branch)', () => {
    expect(remoteBuildidOf(APP_INFO)).toBe('16446406');
    expect(remoteBuildidOf('Logging in user ...FAILED (No Connection)')).toBeNull();
    expect(remoteBuildidOf(APP_INFO.replace('16446406', '0'))).toBeNull();
  });

  it('reads buildid from the app manifest; 0, a missing or broken manifest is unknown', async () => {
    expect(buildidOfManifest('"AppState"\n{\n\t"appid"\t\t"222860"\n\t"buildid"\t\t"16446406"\n}\n')).toBe(
      '16446406',
    );
    expect(buildidOfManifest('"AppState" { "buildid" "0" }')).toBeNull();
    expect(buildidOfManifest('"AppState" {')).toBeNull();
    const dir = tempDir();
    expect(await readInstalledBuildid(dir)).toBeNull();
    mkdirSync(path.dirname(manifestPath(dir)), { recursive: true });
    writeFileSync(manifestPath(dir), '"AppState" { "buildid" "42" }');
    expect(manifestPath(dir)).toBe(path.join(dir, 'steamapps', 'appmanifest_222860.acf'));
    expect(await readInstalledBuildid(dir)).toBe('42');
  });

  it('update available: true or false only when both builds are known, never false when unknown', () => {
    expect(updateAvailable('100', '101')).toBe(true);
    expect(updateAvailable('101', '101')).toBe(false);
    expect(updateAvailable(null, '101')).toBeNull();
    expect(updateAvailable('0', '101')).toBeNull();
    expect(updateAvailable('101', null)).toBeNull();
    expect(updateAvailable('101', '0')).toBeNull();
  });
});
