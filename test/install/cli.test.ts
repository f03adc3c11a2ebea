import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleLogPath, pidFilePath } from '../../src/config/paths.js';
import { progressBar } from '../../src/install/cli.js';
import { UPDATE_WARNING } from '../../src/supervisor/reconcile.js';
import { tempDir } from '../helpers/app.js';
import { runCli, spawnPanel } from '../helpers/cli.js';
import { freeGamePort } from '../helpers/simulator.js';
import { FAST, makeSimSteamcmd, removeSimSteamcmds } from '../helpers/steamcmd.js';
import { isAlive, processesUsing, waitFor } from '../helpers/supervisor.js';

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

  it('updates under game servers a stopped panel left running: warned, stopped, started again', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '1' });
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, SRCDS_DIR: path.join(dataDir, 'game'), STEAMCMD: sim.program };
    expect((await runCli(['install'], env)).status).toBe(0);
    const panel = spawnPanel({ ...env, LOG_LEVEL: 'info' });
    try {
      const base = await panel.url();
      let cookie = '';
      const call = async (method: string, route: string, body?: unknown) => {
        const response = await fetch(`${base}${route}`, {
          method,
          headers: { accept: 'application/json', 'content-type': 'application/json', cookie },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
        return response.json() as Promise<Record<string, unknown>>;
      };
      await call('POST', '/register', { username: 'admin', password: 'correct horse battery' });
      const blueprint = await call('POST', '/blueprints', { name: 'coop', arguments: [], config: [] });
      const server = await call('POST', '/servers', {
        name: 'one',
        port: await freeGamePort(),
        blueprint_id: blueprint.id,
      });
      await call('POST', `/servers/${server.id}/start`);
      await waitFor(async () => (await call('GET', `/servers/${server.id}`)).actual_state === 'running');
    } finally {
      await panel.stop();
    }
    const pidFile = pidFilePath(dataDir, 1);
    const before = (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
    expect(isAlive(before)).toBe(true);
    try {
      await sim.configure({ ...FAST, remoteBuildid: '2' });
      const update = await runCli(['install'], env);
      expect(update.stderr).toBe('');
      expect(update.stdout.endsWith(`updated: build 2 in ${env.SRCDS_DIR}\n`)).toBe(true);
      const after = await waitFor(() => {
        const pid = (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
        return pid !== before ? pid : null;
      });
      expect(isAlive(before)).toBe(false);
      expect(isAlive(after)).toBe(true);
      expect(readFileSync(consoleLogPath(dataDir, 1), 'utf8')).toContain(`Console: ${UPDATE_WARNING}`);
    } finally {
      for (const pid of processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
    }
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
