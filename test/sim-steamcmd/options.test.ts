import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, loadOptions, OPTIONS_FILE } from '../../src/sim-steamcmd/options.js';
import { tempDir } from '../helpers/app.js';

describe('SteamCMD simulator options', () => {
  it('defaults as the contract says', async () => {
    expect(await loadOptions({}, tempDir())).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS).toMatchObject({
      invalidPlatform: true,
      failAt: null,
      failTimes: null,
      remoteBuildid: '1',
      bufferWhenNotTty: true,
    });
  });

  it('reads the environment, then the file, which wins per key', async () => {
    const dir = tempDir();
    const env = {
      SIM_STEAMCMD_FAIL_AT: '50:0x402',
      SIM_STEAMCMD_FAIL_TIMES: '2',
      SIM_STEAMCMD_REMOTE_BUILDID: '7',
      SIM_STEAMCMD_INVALID_PLATFORM: 'false',
    };
    expect(await loadOptions(env, dir)).toMatchObject({
      failAt: { percent: 50, code: '0x402' },
      failTimes: 2,
      remoteBuildid: '7',
      invalidPlatform: false,
    });
    writeFileSync(
      path.join(dir, OPTIONS_FILE),
      JSON.stringify({ remoteBuildid: 8, failAt: null, bytesTotal: 10 }),
    );
    expect(await loadOptions(env, dir)).toMatchObject({
      failAt: null,
      failTimes: 2,
      remoteBuildid: '8',
      bytesTotal: 10,
    });
  });

  it.each([
    [{ failAt: { percent: 50, code: '402' } }, 'bad failAt'],
    [{ remoteBuildid: 'abc' }, 'bad remoteBuildid'],
    [{ bytesPerSecond: 0 }, 'bad bytesPerSecond'],
    [{ bufferWhenNotTty: 'sometimes' }, 'bad bufferWhenNotTty'],
    [{ failtimes: 1 }, 'sim-steamcmd.json: unknown key failtimes'],
  ])('refuses %j', async (file, message) => {
    const dir = tempDir();
    writeFileSync(path.join(dir, OPTIONS_FILE), JSON.stringify(file));
    await expect(loadOptions({}, dir)).rejects.toThrow(message);
  });
});
