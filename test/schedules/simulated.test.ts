/**
 * Schedules and crash alerts against the srcds simulator as real processes, the real supervisor and
 * the real clock: a 6-field cron restarts a server (a new pid); `skip` leaves a server with a player
 * alone and says why; `wait` restarts once the player is kicked; a hung server's count is unknown,
 * never empty; a crash reaches a webhook as a Discord message with the console and no RCON password;
 * a receiver that never answers does not hold the restart back.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretKey } from '../../src/auth/secret-key.js';
import { consoleLogPath } from '../../src/config/paths.js';
import { ScheduleRunner } from '../../src/schedules/runner.js';
import { Alerts } from '../../src/webhooks/alerts.js';
import {
  endSupervisedTest,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  waitFor,
  waitForState,
} from '../helpers/supervisor.js';
import { type Receiver, startReceiver } from '../webhooks/receiver.js';

/** A2S answers may be slow on a loaded machine: a count the policy must read is given time. */
const patientA2s = { a2sTimeoutMs: 1_500 };

describe('schedules and alerts on simulated servers', () => {
  let app: SupervisedApp | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await endSupervisedTest(app);
    app = undefined;
  });

  const startRunner = (supervised: SupervisedApp) => {
    const runner = new ScheduleRunner(
      {
        db: supervised.database.db,
        supervisor: supervised.supervisor,
        supervising: () => true,
        log: { warn: () => {} },
      },
      { tickMs: 200, recheckMs: 300 },
    );
    runner.start();
    cleanups.push(() => runner.stop());
    return runner;
  };

  const newSchedule = async (supervised: SupervisedApp, body: Record<string, unknown>) => {
    const response = await supervised.client.post('/schedules', {
      name: `s-${Math.random().toString(36).slice(2)}`,
      tasks: [{ action: 'restart', offset_seconds: 0 }],
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id as number;
  };

  const firstFinishedRun = (supervised: SupervisedApp, id: number) =>
    waitFor(
      async () => {
        const runs = (await supervised.client.get(`/schedules/${id}/runs`)).json().runs;
        return runs.find((run: { finished_at: string | null }) => run.finished_at);
      },
      { timeoutMs: 30_000 },
    );

  const rcon = async (supervised: SupervisedApp, id: number, command: string) => {
    const response = await supervised.client.post(`/servers/${id}/rcon`, { command });
    expect(response.statusCode, response.body).toBe(200);
  };
  /** A command after which the server may not answer (it hangs or dies): its reply does not matter. */
  const fault = (supervised: SupervisedApp, id: number, command: 'sim_hang' | 'sim_crash') =>
    supervised.client.post(`/servers/${id}/rcon`, { command });

  it('a 6-field cron every 2 s restarts a running server: a new pid', async () => {
    app = await startSupervisedApp({ supervisor: patientA2s });
    const server = await app.newRunningServer();
    const pid = app.supervisor.pidOf(server.id);
    const id = await newSchedule(app, {
      cron: '*/2 * * * * *',
      server_ids: [server.id],
      when_players: 'skip',
    });
    startRunner(app);
    const run = await firstFinishedRun(app, id);
    expect(run).toMatchObject({
      outcome: 'done',
      detail: [{ server_id: server.id, outcome: 'done', why: 'restarted' }],
    });
    // A restart of an empty server: it comes back with another process.
    await app.client.patch(`/schedules/${id}`, { enabled: false });
    const supervised = app;
    await waitFor(() => {
      const now = supervised.supervisor.pidOf(server.id);
      return now !== null && now !== pid;
    });
    await waitForState(app, server.id, 'running');
  });

  it('skip: a server with a player is left alone and the run says why', async () => {
    app = await startSupervisedApp({ supervisor: patientA2s });
    const server = await app.newRunningServer();
    await rcon(app, server.id, 'sim_addplayer Zoey 3');
    const pid = app.supervisor.pidOf(server.id);
    const id = await newSchedule(app, { cron: '* * * * *', server_ids: [server.id], when_players: 'skip' });
    startRunner(app);
    expect((await app.client.post(`/schedules/${id}/run`)).statusCode).toBe(202);
    const run = await firstFinishedRun(app, id);
    expect(run).toMatchObject({
      outcome: 'skipped',
      detail: [{ outcome: 'skipped', why: 'skipped: 1 player on the server' }],
    });
    expect(app.supervisor.pidOf(server.id)).toBe(pid);
  });

  it('wait: waits while a player is on, restarts once they are kicked', async () => {
    app = await startSupervisedApp({ supervisor: patientA2s });
    const server = await app.newRunningServer();
    await rcon(app, server.id, 'sim_addplayer Ellis 1');
    const pid = app.supervisor.pidOf(server.id);
    const id = await newSchedule(app, {
      cron: '0 5 * * *',
      server_ids: [server.id],
      when_players: 'wait',
      max_wait_minutes: 5,
    });
    startRunner(app);
    await app.client.post(`/schedules/${id}/run`);
    const supervised = app;
    const waiting = await waitFor(async () => {
      const [run] = (await supervised.client.get(`/schedules/${id}/runs`)).json().runs;
      return run?.detail[0]?.why.startsWith('waiting') ? run : null;
    });
    expect(waiting).toMatchObject({
      outcome: 'waiting',
      detail: [{ why: 'waiting for an empty server: 1 player on the server' }],
    });
    expect(app.supervisor.pidOf(server.id)).toBe(pid);
    const kicked = await app.client.post(`/servers/${server.id}/kick`, { name: 'Ellis' });
    expect(kicked.statusCode, kicked.body).toBe(200);
    const run = await firstFinishedRun(app, id);
    expect(run).toMatchObject({ outcome: 'done', detail: [{ why: 'restarted' }] });
    await waitFor(() => {
      const now = supervised.supervisor.pidOf(server.id);
      return now !== null && now !== pid;
    });
  });

  it('a server whose A2S hangs has an unknown player count, never empty: skip skips it', async () => {
    app = await startSupervisedApp({ supervisor: { hangTimeoutMs: 60_000 } });
    const server = await app.newRunningServer();
    const pid = app.supervisor.pidOf(server.id);
    await fault(app, server.id, 'sim_hang');
    const id = await newSchedule(app, { cron: '0 5 * * *', server_ids: [server.id], when_players: 'skip' });
    startRunner(app);
    await app.client.post(`/schedules/${id}/run`);
    const run = await firstFinishedRun(app, id);
    expect(run.outcome).toBe('skipped');
    expect(run.detail[0].why).toMatch(/^skipped: player count unknown: /);
    expect(app.supervisor.pidOf(server.id)).toBe(pid);
  });

  const alertsOn = (supervised: SupervisedApp, receiver: Receiver) => {
    const alerts = new Alerts(
      {
        db: supervised.database.db,
        secretKey: new SecretKey(supervised.dataDir),
        supervisor: supervised.supervisor,
        log: { warn: () => {} },
      },
      { allowPrivate: true },
    );
    const unsubscribe = supervised.supervisor.onIncident(alerts.incident);
    cleanups.push(async () => {
      unsubscribe();
      await alerts.stop();
      await receiver.close();
    });
    return alerts;
  };

  it('a crash reaches a Discord webhook within 5 s with the last console lines and never the RCON password', async () => {
    app = await startSupervisedApp({ env: { ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    const receiver = await startReceiver();
    alertsOn(app, receiver);
    const hook = await app.client.post('/webhooks', {
      url: receiver.url(),
      format: 'discord',
      events: ['crashed'],
    });
    expect(hook.statusCode).toBe(201);
    const server = await app.newRunningServer();
    const { rcon_password: password } = await serverRow(app, server.id);
    // Whatever printed it (a cfg echo, a plugin), the alert must not carry it.
    fs.appendFileSync(
      consoleLogPath(app.dataDir, server.id),
      `rcon_password "${password}"\nleaked ${password} here\n`,
    );
    await fault(app, server.id, 'sim_crash');
    const [alert] = await waitFor(() => (receiver.received.length > 0 ? receiver.received : null), {
      timeoutMs: 5_000,
    });
    const body = alert?.body as {
      content: string;
      embeds: { title: string; description: string; color: number }[];
    };
    expect(body.content).toMatch(/crashed/);
    expect(body.embeds[0]?.description).toContain('leaked *** here');
    expect(body.embeds[0]?.description).toContain('rcon_password ***');
    expect(JSON.stringify(alert?.body)).not.toContain(password);
    const lines = (body.embeds[0]?.description ?? '').split('```')[1]?.trim().split('\n') ?? [];
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.length).toBeLessThanOrEqual(20);
  });

  it('a receiver that never answers does not hold a crashed server back from restarting', async () => {
    app = await startSupervisedApp({ env: { ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    const receiver = await startReceiver({ hang: true });
    alertsOn(app, receiver);
    const saved = await app.client.post('/webhooks', {
      url: receiver.url(),
      format: 'json',
      events: ['crashed'],
    });
    expect(saved.statusCode).toBe(201);
    const server = await app.newRunningServer();
    const pid = app.supervisor.pidOf(server.id);
    await fault(app, server.id, 'sim_crash');
    await waitFor(() => receiver.received.length === 1);
    // The alert is still waiting for its answer while the server is back.
    const supervised = app;
    await waitFor(() => {
      const now = supervised.supervisor.pidOf(server.id);
      return now !== null && now !== pid;
    });
    await waitForState(app, server.id, 'running');
    const [hook] = (await app.client.get('/webhooks')).json().webhooks;
    expect(hook.last_delivery_at).toBeNull();
  });
});
