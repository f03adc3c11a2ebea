import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeBytesAt, freeSpaceShortage } from '../../src/install/disk.js';
import { resolveSteamcmd } from '../../src/install/steamcmd-path.js';
import { tempDir } from '../helpers/app.js';

function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('free space before a job', () => {
  it('says how much is needed and found, to a tenth of a GB', () => {
    expect(freeSpaceShortage('/srv/l4d2', 12, 7.46 * 1024 ** 3)).toBe(
      'need 12 GB free in /srv/l4d2, found 7.4 GB',
    );
    expect(freeSpaceShortage('/srv/l4d2', 12, 12 * 1024 ** 3)).toBeNull();
    expect(freeSpaceShortage('/srv/l4d2', 0.5, 0)).toBe('need 0.5 GB free in /srv/l4d2, found 0.0 GB');
  });

  it('measures a folder that does not exist yet on its nearest parent', async () => {
    const dir = tempDir();
    // Same file system; other programs write meanwhile, so not to the byte.
    const missing = await freeBytesAt(path.join(dir, 'not', 'yet'));
    expect(Math.abs(missing - (await freeBytesAt(dir)))).toBeLessThan(1024 ** 3);
    expect(missing).toBeGreaterThan(0);
  });
});

describe('finding SteamCMD', () => {
  it('STEAMCMD as a path must be an executable file', () => {
    const dir = tempDir();
    const program = executable(path.join(dir, 'steamcmd.sh'));
    expect(resolveSteamcmd(program, dir, '')).toBe(program);
    writeFileSync(path.join(dir, 'plain'), '');
    expect(resolveSteamcmd(path.join(dir, 'plain'), dir, '')).toBeNull();
    expect(resolveSteamcmd(path.join(dir, 'missing'), dir, '')).toBeNull();
  });

  it('STEAMCMD as a name is looked up on PATH', () => {
    const bin = tempDir();
    executable(path.join(bin, 'mysteamcmd'));
    expect(resolveSteamcmd('mysteamcmd', tempDir(), `/nonexistent:${bin}`)).toBe(
      path.join(bin, 'mysteamcmd'),
    );
    expect(resolveSteamcmd('mysteamcmd', tempDir(), '/nonexistent')).toBeNull();
  });

  it("by default: steamcmd on PATH, then Debian's /usr/games/steamcmd, then $DATA_DIR/steamcmd/steamcmd.sh", () => {
    const bin = tempDir();
    const dataDir = tempDir();
    const games = path.join(tempDir(), 'usr-games-steamcmd');
    expect(resolveSteamcmd(null, dataDir, '/nonexistent', [games])).toBeNull();
    const inData = executable(path.join(dataDir, 'steamcmd', 'steamcmd.sh'));
    expect(resolveSteamcmd(null, dataDir, '/nonexistent', [games])).toBe(inData);
    executable(games);
    expect(resolveSteamcmd(null, dataDir, '/nonexistent', [games])).toBe(games);
    const onPath = executable(path.join(bin, 'steamcmd'));
    expect(resolveSteamcmd(null, dataDir, bin, [games])).toBe(onPath);
  });
});
