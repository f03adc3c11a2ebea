import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressBar } from '../../src/install/cli.js';
import { tempDir } from '../helpers/app.js';
import { runCli, spawnPanel } from '../helpers/cli.js';
import { FAST, makeSimSteamcmd, removeSimSteamcmds } from '../helpers/steamcmd.js';

afterAll(removeSimSteamcmds);

describe('l4d2web install', () => {
  it('draws a progress bar', () => {
    expect(
      progressBar({ phase: 'download', percent: 50, bytes_done: 6 * 1024 ** 3, bytes_total: 12 * 1024 ** 3 }),
    ).toBe(`[${'#'.repeat(15)}${'-'.repeat(15)}]  50.0%  download  6.0 GB / 12.0 GB`);
    expect(progressBar({ phase: 'bootstrap', percent: 0, bytes_done: 0, bytes_total: 0 })).toBe(
      `[${'-'.repeat(30)}]   0.0%  bootstrap`,
    );
  });

  it('installs the game, showing progress, and exits 0', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '31337' });
    const dataDir = tempDir();
    const srcdsDir = path.join(dataDir, 'game');
    const result = await runCli(['install'], {
      DATA_DIR: dataDir,
      SRCDS_DIR: srcdsDir,
      STEAMCMD: sim.program,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Logging in user 'anonymous' to Steam Public...OK");
    expect(result.stdout).toMatch(/\[#{30}\] 100\.0% {2}download {2}48 MB \/ 48 MB\n/);
    expect(result.stdout.endsWith(`installed: build 31337 in ${srcdsDir}\n`)).toBe(true);
    // The job is the panel's: an update now.
    const again = await runCli(['install'], {
      DATA_DIR: dataDir,
      SRCDS_DIR: srcdsDir,
      STEAMCMD: sim.program,
    });
    expect(again.stdout.endsWith(`updated: build 31337 in ${srcdsDir}\n`)).toBe(true);
  });

  it('exits 1 with the error in one line', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, failAt: { percent: 20, code: '0x202' } });
    const dataDir = tempDir();
    const result = await runCli(['install'], { DATA_DIR: dataDir, STEAMCMD: sim.program });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('l4d2web install: not enough disk space in SRCDS_DIR\n');
    const missing = await runCli(['install'], { DATA_DIR: dataDir, STEAMCMD: path.join(dataDir, 'nothing') });
    expect(missing.stderr).toBe(
      'l4d2web install: steamcmd not found: install it (Debian: the steamcmd package from non-free) or set STEAMCMD\n',
    );
    const full = await runCli(['install'], {
      DATA_DIR: dataDir,
      STEAMCMD: sim.program,
      INSTALL_MIN_FREE_GB: '99999999',
    });
    expect(full.stderr).toMatch(/^l4d2web install: need 99999999 GB free in \S+, found \d+\.\d GB\n$/);
  });

  it('refuses while a panel runs on the database: the install is the panel job', async () => {
    const sim = await makeSimSteamcmd();
    const dataDir = tempDir();
    const panel = spawnPanel({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    await panel.url();
    try {
      const result = await runCli(['install'], { DATA_DIR: dataDir, STEAMCMD: sim.program });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^l4d2web install: another l4d2web \(pid \d+\) is using .*: install from its Install page\n$/,
      );
      expect(sim.runs()).toEqual([]);
    } finally {
      await panel.stop();
    }
  });
});
