import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connect.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { InstallEvent } from '../../src/install/control.js';
import { Installer, type InstallerSettings, NoJobRunning } from '../../src/install/installer.js';
import { InstallStore, JobAlreadyRunning } from '../../src/install/store.js';
import { layOutSimulatedInstall } from '../../src/simulator/install.js';
import { tempDir, timestamp } from '../helpers/app.js';
import { dropDatabase, freshDatabaseUrl, testDialects } from '../helpers/dialects.js';
import {
  FAST,
  makeSimSteamcmd,
  processesMentioning,
  removeSimSteamcmds,
  type SimSteamcmd,
  startedJob,
} from '../helpers/steamcmd.js';

afterAll(removeSimSteamcmds);

describe.each(testDialects())('Installer (%s)', (dialect) => {
  let url: string;
  let handle: DatabaseHandle;
  let store: InstallStore;
  let sim: SimSteamcmd;
  let srcdsDir: string;
  let installer: Installer;
  let events: InstallEvent[];

  function makeInstaller(overrides: Partial<InstallerSettings> = {}): Installer {
    const made = new Installer(store, {
      srcdsDir,
      dataDir: tempDir(),
      steamcmd: sim.program,
      minFreeGb: 0,
      env: process.env,
      checkTimeoutMs: 20_000,
      job: { networkRetries: 3, retryBaseMs: 10, stallMs: 60_000 },
      ...overrides,
    });
    made.subscribe((event) => events.push(event));
    return made;
  }

  beforeEach(async () => {
    url = await freshDatabaseUrl(dialect);
    handle = openDatabase(url);
    await migrateToLatest(handle);
    store = new InstallStore(handle.db);
    sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '100' });
    srcdsDir = path.join(tempDir(), 'srcds');
    events = [];
    installer = makeInstaller();
  });

  afterEach(async () => {
    await installer.close();
    await handle.close();
    await dropDatabase(url);
  });

  it('starts missing; an install job records progress, its log, and ends installed with the build', async () => {
    expect(await installer.snapshot()).toEqual({
      state: 'missing',
      path: srcdsDir,
      buildid: null,
      remote_buildid: null,
      update_available: null,
      checked_at: null,
      job: null,
    });
    const job = await installer.start();
    expect(job).toEqual(startedJob('install'));
    expect((await installer.snapshot()).state).toBe('installing');
    await installer.idle();
    const install = await installer.snapshot();
    expect(install).toMatchObject({ state: 'installed', buildid: '100', update_available: null });
    expect(install.job).toMatchObject({
      id: job.id,
      state: 'succeeded',
      phase: 'done',
      percent: 100,
      bytes_done: 50_000_000,
      bytes_total: 50_000_000,
      attempts: 1,
      error: '',
      finished_at: timestamp,
    });
    const lines = await store.jobLines(job.id);
    expect(lines[0]).toMatch(/^\$ .*steamcmd\.sh \+@NoPromptForPassword 1/);
    expect(lines).toContain("Success! App '222860' fully installed.");
    expect(lines.some((line) => line.startsWith(' Update state (0x61) downloading'))).toBe(true);
    const types = new Set(events.map((event) => event.type));
    expect(types).toEqual(new Set(['install', 'progress', 'log']));
    expect(events.at(-1)).toMatchObject({ type: 'install', state: 'installed', buildid: '100' });
  });

  it('refuses a second job while one runs (in this panel, and by the database for another)', async () => {
    await installer.start();
    await expect(installer.start()).rejects.toThrow(new JobAlreadyRunning());
    await expect(makeInstaller().start()).rejects.toThrow('an install job is already running');
    await installer.idle();
  });

  it('cancel ends the job and SteamCMD; cancelling with none running is refused', async () => {
    await expect(installer.cancel()).rejects.toThrow(new NoJobRunning());
    await sim.configure({ bytesTotal: 10_000_000_000, bytesPerSecond: 10_000_000, tickMs: 50 });
    await installer.start();
    while (!events.some((event) => event.type === 'progress' && event.phase === 'download')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cancelled = await installer.cancel();
    expect(cancelled).toMatchObject({ state: 'cancelled', error: 'cancelled', finished_at: timestamp });
    expect(processesMentioning(sim.dir)).toEqual([]);
    expect((await installer.snapshot()).state).toBe('missing');
  });

  it('an update job when the game is present; a failure keeps the old files usable', async () => {
    await layOutSimulatedInstall(srcdsDir);
    await sim.configure({ ...FAST, invalidPlatform: false, failAt: { percent: 50, code: '0x606' } });
    const job = await installer.start();
    expect(job.kind).toBe('update');
    expect((await installer.snapshot()).state).toBe('updating');
    await installer.idle();
    const install = await installer.snapshot();
    expect(install.state).toBe('installed');
    expect(install.job).toMatchObject({ kind: 'update', state: 'failed', error: 'disk write failed' });
  });

  it('a failed install leaves the state failed', async () => {
    await sim.configure({ ...FAST, failAt: { percent: 10, code: '0x202' } });
    await installer.start();
    await installer.idle();
    expect(await installer.snapshot()).toMatchObject({
      state: 'failed',
      job: { state: 'failed', error: 'not enough disk space in SRCDS_DIR' },
    });
  });

  it('checks Steam for the current build: update available, up to date, or unknown', async () => {
    await installer.start();
    await installer.idle();
    expect(await installer.check()).toMatchObject({
      buildid: '100',
      remote_buildid: '100',
      update_available: false,
      checked_at: timestamp,
    });
    await sim.configure({ remoteBuildid: '101' });
    expect(await installer.check()).toMatchObject({ remote_buildid: '101', update_available: true });
    await sim.configure({ offline: true });
    expect(await installer.check()).toMatchObject({ remote_buildid: null, update_available: null });
  });

  it('a missing SteamCMD: the job fails saying how to get it; the check knows nothing', async () => {
    installer = makeInstaller({ steamcmd: path.join(tempDir(), 'nope') });
    await installer.start();
    await installer.idle();
    expect((await installer.snapshot()).job?.error).toBe(
      'steamcmd not found: install it (Debian: the steamcmd package from non-free) or set STEAMCMD',
    );
    expect(await installer.check()).toMatchObject({ update_available: null, checked_at: timestamp });
  });

  it('a job a stopped panel left running ends as failed', async () => {
    await store.createJob('update', new Date().toISOString());
    expect(await store.failInterruptedJobs(new Date().toISOString())).toBe(1);
    expect((await store.latestJob())?.job).toMatchObject({
      state: 'failed',
      error: 'the panel stopped while the job ran',
    });
    await store.createJob('update', new Date().toISOString());
  });
});
