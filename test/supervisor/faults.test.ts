import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { faultFilePath, writeFaultFile } from '../helpers/simulator.js';
import {
  endSupervisedTest,
  isAlive,
  processesUsing,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  trackDir,
  waitFor,
  waitForState,
} from '../helpers/supervisor.js';

let app: SupervisedApp | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  await endSupervisedTest(app, { cleanups });
  app = undefined;
});

describe('supervisor: crashes', () => {
  it('a game server killed with SIGKILL comes back to running by itself, and says what happened', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newRunningServer();
    const first = app.supervisor.pidOf(id) as number;
    process.kill(first, 'SIGKILL');
    const row = await waitFor(async () => {
      const row = await serverRow(app as SupervisedApp, id);
      const pid = app?.supervisor.pidOf(id);
      return row.actual_state === 'running' && pid && pid !== first ? row : null;
    });
    expect(row.last_error).toMatch(/killed by signal SIGKILL/);
    expect(row.desired_state).toBe('running');
    expect(processesUsing(app.dataDir)).toHaveLength(1);
  });

  it('a crash loop ends in failed with "crash loop: ..."; pressing start tries again and clears it', async () => {
    app = await startSupervisedApp();
    const { id, port } = await app.newServer();
    await writeFaultFile(app.installDir, { [port]: { crashAfterMs: 200 } });
    await app.client.post(`/servers/${id}/start`);
    const failed = await waitForState(app, id, 'failed', 30_000);
    expect(failed.last_error).toMatch(/^crash loop: 3 crashes in 60 s, last .*(signal SIGSEGV|code 139)/);
    expect(processesUsing(app.dataDir)).toEqual([]);
    // It stays failed: no more restarts.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await serverRow(app, id)).actual_state).toBe('failed');
    unlinkSync(faultFilePath(app.installDir));
    await app.client.post(`/servers/${id}/start`);
    const running = await waitForState(app, id, 'running');
    expect(running.last_error).toBe('');
  });

  it('a hung server (alive, silent, deaf to SIGTERM) is killed and restarted, and says so', async () => {
    app = await startSupervisedApp();
    const { id, port } = await app.newServer();
    await writeFaultFile(app.installDir, { [port]: { hangAfterMs: 1_000, hangIgnoresSigterm: true } });
    app.supervisor.subscribe(id, (event) => {
      // Once it was caught, let the next launch be healthy.
      if (event.type === 'state' && event.actual_state === 'crashed')
        rmSync(faultFilePath(app?.installDir ?? ''), { force: true });
    });
    await app.client.post(`/servers/${id}/start`);
    await waitForState(app, id, 'running');
    const first = app.supervisor.pidOf(id) as number;
    const row = await waitFor(async () => {
      const row = await serverRow(app as SupervisedApp, id);
      const pid = app?.supervisor.pidOf(id);
      return row.actual_state === 'running' && pid && pid !== first ? row : null;
    });
    expect(row.last_error).toMatch(/^crashed: hung: no A2S answer for \d+ s, killed it/);
    expect(isAlive(first)).toBe(false);
    expect(processesUsing(app.dataDir)).toHaveLength(1);
  });

  it('a server that never answers A2S within the start timeout is stopped and failed', async () => {
    app = await startSupervisedApp({ supervisor: { startTimeoutMs: 1_500 } });
    const { id, port } = await app.newServer();
    await writeFaultFile(app.installDir, { [port]: { startDelayMs: 60_000 } });
    await app.client.post(`/servers/${id}/start`);
    const row = await waitForState(app, id, 'failed');
    expect(row.last_error).toBe('did not answer A2S within 2 s of its start; stopped it');
    await waitFor(() => processesUsing(app?.dataDir ?? '').length === 0);
  });
});

describe('supervisor: refusals', () => {
  it('a game port taken by another program (UDP) fails, naming the port and protocol', async () => {
    app = await startSupervisedApp();
    const { id, port } = await app.newServer();
    const socket: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    cleanups.push(() => socket.close());
    await app.client.post(`/servers/${id}/start`);
    const row = await waitForState(app, id, 'failed');
    expect(row.last_error).toBe(`port ${port}/udp is in use by another program`);
    expect(processesUsing(app.dataDir)).toEqual([]);
  });

  it('a game port taken over TCP, or the client port, fails with that port', async () => {
    app = await startSupervisedApp();
    const a = await app.newServer('tcp-taken');
    const b = await app.newServer('client-taken');
    const tcp: Server = createServer();
    await new Promise<void>((resolve) => tcp.listen(a.port, '127.0.0.1', resolve));
    const udp: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(b.port - 10, '127.0.0.1', resolve));
    cleanups.push(
      () => tcp.close(),
      () => udp.close(),
    );
    await app.client.post(`/servers/${a.id}/start`);
    await app.client.post(`/servers/${b.id}/start`);
    expect((await waitForState(app, a.id, 'failed')).last_error).toBe(
      `port ${a.port}/tcp is in use by another program`,
    );
    expect((await waitForState(app, b.id, 'failed')).last_error).toBe(
      `port ${b.port - 10}/udp is in use by another program`,
    );
  });

  it('a missing srcds_run fails and says how to install the dedicated server', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'l4d2web-nosrcds-'));
    trackDir(empty);
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    app = await startSupervisedApp({ installDir: empty });
    const { id } = await app.newServer();
    await app.client.post(`/servers/${id}/start`);
    const row = await waitForState(app, id, 'failed');
    expect(row.last_error).toContain(`srcds_run is missing at ${empty}/srcds_run`);
    expect(row.last_error).toContain(
      `steamcmd +force_install_dir ${empty} +login anonymous +app_update 222860 validate +quit`,
    );
    // Stop, then start again: last_error is cleared by the new attempt (which fails the same way).
    await app.client.post(`/servers/${id}/stop`);
    expect((await waitForState(app, id, 'stopped')).last_error).toContain('srcds_run is missing');
  });
});
