import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import type { AutoUpdater } from '../../src/install/auto-update.js';
import type { Install } from '../../src/install/control.js';
import { panelAutoUpdater } from '../../src/install/wiring.js';
import { instancePaths } from '../../src/instances/layout.js';
import type { ServerEvent } from '../../src/supervisor/control.js';
import { UPDATE_WARNING } from '../../src/supervisor/reconcile.js';
import type { Client } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { FAST, makeSimSteamcmd, removeSimSteamcmds, type SimSteamcmd } from '../helpers/steamcmd.js';
import {
  endSupervisedTest,
  isAlive,
  openEvents,
  type SupervisedApp,
  startSupervisedApp,
  waitFor,
  waitForState,
} from '../helpers/supervisor.js';

afterAll(removeSimSteamcmds);

async function finishedJob(client: Client, jobId: number): Promise<Install> {
  return waitFor(async () => {
    const install = (await client.get('/install')).json() as Install;
    return install.job?.id === jobId && install.job.state !== 'running' ? install : null;
  });
}

describe.each(testDialects())('updating a live install (%s)', (dialect) => {
  let app: SupervisedApp | undefined;
  let autoUpdater: AutoUpdater | undefined;

  afterEach(async () => {
    autoUpdater?.stop();
    autoUpdater = undefined;
    await endSupervisedTest(app);
    app = undefined;
  });

  /** A supervised app whose game SteamCMD (the simulator) installed over HTTP. */
  async function installedApp(sim: SimSteamcmd, env: Record<string, string> = {}) {
    const srcdsDir = path.join(mkdtempSync(path.join(tmpdir(), 'l4d2web-srcds-')), 'game');
    app = await startSupervisedApp({ dialect, installDir: srcdsDir, env: { STEAMCMD: sim.program, ...env } });
    const job = (await app.client.post('/install')).json() as { id: number };
    expect(await finishedJob(app.client, job.id)).toMatchObject({ state: 'installed', buildid: '1' });
    return app;
  }

  it('warns the players, stops the running servers, holds them `updating`, then starts them again', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '1' });
    const app = await installedApp(sim);
    const { client, supervisor } = app;
    const a = await app.newRunningServer();
    const b = await app.newRunningServer();
    // A third server, started once then stopped: its instance is rebuilt after the update all the same.
    const idle = await app.newRunningServer();
    await client.post(`/servers/${idle.id}/stop`);
    await waitForState(app, idle.id, 'stopped');
    const pidsBefore = [a, b].map(({ id }) => supervisor.pidOf(id) as number);
    expect(pidsBefore.every((pid) => pid > 0)).toBe(true);
    const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const streams = [a, b].map(({ id }) => openEvents(url, id, client.cookieHeader));

    // Steam has build 2; the update adds a file to the install.
    await sim.configure({ ...FAST, remoteBuildid: '2' });
    expect((await client.post('/install/check')).json()).toMatchObject({
      update_available: true,
      remote_buildid: '2',
    });
    writeFileSync(path.join(app.installDir, 'added-by-update.txt'), 'new\n');
    const job = (await client.post('/install')).json() as { id: number; kind: string };
    expect(job.kind).toBe('update');
    const install = await finishedJob(client, job.id);
    expect(install).toMatchObject({ state: 'installed', buildid: '2', update_available: false });
    for (const { id } of [a, b]) await waitForState(app, id, 'running');

    const pidsAfter = [a, b].map(({ id }) => supervisor.pidOf(id) as number);
    for (const [index, pid] of pidsAfter.entries()) {
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(pidsBefore[index]);
      expect(isAlive(pidsBefore[index] as number)).toBe(false);
    }
    for (const [index, { id }] of [a, b].entries()) {
      const states = () =>
        (streams[index]?.events ?? []).flatMap((event: ServerEvent) =>
          event.type === 'state' ? [event.actual_state] : [],
        );
      // The supervisor writes the row, then sends the event, which reaches this client a moment later.
      await waitFor(() => states().lastIndexOf('running') > states().indexOf('updating'), {
        describe: states,
      });
      expect(states()).toEqual(expect.arrayContaining(['stopping', 'updating', 'starting']));
      streams[index]?.close();
      // The players were told (the srcds simulator prints what `say` says), before it quit.
      const consoleLog = readFileSync(consoleLogPath(app.dataDir, id), 'utf8');
      expect(consoleLog).toContain(`Console: ${UPDATE_WARNING}`);
      expect(consoleLog.indexOf(`Console: ${UPDATE_WARNING}`)).toBeLessThan(
        consoleLog.lastIndexOf('rcon quit'),
      );
    }
    // rebuildAll(): even the stopped server's instance has what the update added.
    expect(existsSync(path.join(instancePaths(app.dataDir, idle.id).game, 'added-by-update.txt'))).toBe(true);
    expect((await client.get(`/servers/${idle.id}`)).json()).toMatchObject({ actual_state: 'stopped' });
  });

  it('no server starts while a job runs; a failed install fails the servers, naming the error', async () => {
    // Slow enough (about 1 s to the failure) that the start below comes while the job runs.
    const sim = await makeSimSteamcmd({
      ...FAST,
      bytesPerSecond: 15_000_000,
      failAt: { percent: 30, code: '0x202' },
    });
    const srcdsDir = path.join(mkdtempSync(path.join(tmpdir(), 'l4d2web-srcds-')), 'game');
    app = await startSupervisedApp({ dialect, installDir: srcdsDir, env: { STEAMCMD: sim.program } });
    const { client } = app;
    const server = await app.newServer();
    await client.post('/install');
    await client.post(`/servers/${server.id}/start`);
    await waitForState(app, server.id, 'updating');
    const page = await client.get(`/servers/${server.id}`);
    expect(page.json()).toMatchObject({ actual_state: 'updating', desired_state: 'running' });
    const failed = await waitForState(app, server.id, 'failed');
    expect(failed.last_error).toBe('game update failed: not enough disk space in SRCDS_DIR');
  });

  it('a failed update that left the old files whole starts the servers again on them', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '1' });
    const app = await installedApp(sim);
    const server = await app.newRunningServer();
    const pid = app.supervisor.pidOf(server.id);
    await sim.configure({ ...FAST, remoteBuildid: '2', failAt: { percent: 50, code: '0x606' } });
    const job = (await app.client.post('/install')).json() as { id: number };
    const install = await finishedJob(app.client, job.id);
    expect(install).toMatchObject({
      state: 'installed',
      buildid: '1',
      job: { state: 'failed', error: 'disk write failed' },
    });
    const row = await waitForState(app, server.id, 'running');
    expect(row.last_error).toBe('');
    expect(app.supervisor.pidOf(server.id)).not.toBe(pid);
  });

  it('AUTO_UPDATE=when-empty waits until the simulated player leaves, then updates', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '1' });
    const app = await installedApp(sim, { AUTO_UPDATE: 'when-empty', UPDATE_CHECK_HOURS: '0' });
    // One simulated player (Coach) on the server (the srcds simulator's faults file, linked into instances).
    writeFileSync(path.join(app.installDir, 'sim-faults.json'), JSON.stringify({ players: 1 }));
    const server = await app.newRunningServer();
    let asked = 0;
    const log = { info: () => {}, error: () => {} };
    autoUpdater = panelAutoUpdater(app.config, app.installer, () => app.supervisor, log, {
      emptyPollMs: 100,
      serversEmpty: async () => {
        asked++;
        return app.supervisor.everyServerEmpty();
      },
    });
    await autoUpdater.start();
    await sim.configure({ ...FAST, remoteBuildid: '2' });
    expect((await app.client.post('/install/check')).json()).toMatchObject({ update_available: true });
    // It asks, and asks again, and does not update while Coach plays.
    await waitFor(() => asked >= 5);
    expect(((await app.client.get('/install')).json() as Install).job?.kind).toBe('install');
    expect((await app.client.get(`/servers/${server.id}`)).json()).toMatchObject({ actual_state: 'running' });
    await app.supervisor.rcon(server.id, 'kick Coach');
    const update = await waitFor(async () => {
      const install = (await app.client.get('/install')).json() as Install;
      return install.job?.kind === 'update' ? install.job : null;
    });
    expect((await finishedJob(app.client, update.id)).buildid).toBe('2');
    await waitForState(app, server.id, 'running');
  });
});
