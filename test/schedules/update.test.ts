/**
 * The `update` task against the SteamCMD simulator (both dialects): it is the admins', it runs the
 * install's job and waits for it, and the job's end reaches admins' webhooks (update_done,
 * update_failed) as does a failed run (schedule_failed).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SecretKey } from '../../src/auth/secret-key.js';
import { InstallGate } from '../../src/install/control.js';
import { ScheduleRunner } from '../../src/schedules/runner.js';
import { Alerts } from '../../src/webhooks/alerts.js';
import { alertOnInstall } from '../../src/webhooks/install-alerts.js';
import {
  createBlueprint,
  createServer,
  logIn,
  password,
  recordingSupervisor,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { makeSimSteamcmd, removeSimSteamcmds } from '../helpers/steamcmd.js';
import { waitFor } from '../helpers/supervisor.js';
import { startReceiver } from '../webhooks/receiver.js';

afterAll(removeSimSteamcmds);

describe.each(testDialects())('the update task (%s)', (dialect) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(steamcmd: string) {
    const t: TestApp = await startTestApp({
      dialect,
      env: {
        SRCDS_DIR: path.join(mkdtempSync(path.join(tmpdir(), 'l4d2web-srcds-')), 'game'),
        STEAMCMD: steamcmd,
        ALLOW_PRIVATE_WEBHOOKS: 'true',
      },
    });
    cleanups.push(() => t.close());
    const admin = await signUp(t.app, 'admin');
    const server = await createServer(admin, {
      name: 'one',
      port: 27015,
      blueprint_id: await createBlueprint(admin),
    });
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    expect(
      (
        await admin.post('/webhooks', {
          url: receiver.url(),
          format: 'json',
          events: ['update_done', 'update_failed', 'schedule_failed'],
        })
      ).statusCode,
    ).toBe(201);
    const alerts = new Alerts(
      { db: t.database.db, secretKey: new SecretKey(t.dataDir), supervisor: {}, log: { warn: () => {} } },
      { allowPrivate: true },
    );
    const stopInstallAlerts = alertOnInstall(t.installer, alerts);
    const runner = new ScheduleRunner(
      {
        db: t.database.db,
        // A stopped server: nobody on it.
        supervisor: Object.assign(recordingSupervisor(), {
          countPlayers: async () => ({ known: true as const, players: 0, running: false }),
        }),
        supervising: () => true,
        log: { warn: () => {} },
        install: new InstallGate(t.installer, () => true),
        onFailed: alerts.scheduleFailed,
      },
      { tickMs: 100, installPollMs: 100 },
    );
    runner.start();
    cleanups.push(async () => {
      await runner.stop();
      stopInstallAlerts();
      await alerts.stop();
    });
    return { t, admin, server, receiver, alerts };
  }

  const finishedRun = (client: Awaited<ReturnType<typeof signUp>>, id: number) =>
    waitFor(
      async () => {
        const [run] = (await client.get(`/schedules/${id}/runs`)).json().runs;
        return run?.finished_at ? run : null;
      },
      { timeoutMs: 30_000 },
    );

  it('runs the install job, waits for it, and tells admins the update is done', async () => {
    const sim = await makeSimSteamcmd();
    const { admin, server, receiver, alerts } = await setUp(sim.program);
    const created = await admin.post('/schedules', {
      name: 'update',
      cron: '0 4 * * *',
      server_ids: [server],
      tasks: [{ action: 'update', offset_seconds: 0 }],
    });
    expect(created.statusCode).toBe(201);
    await admin.post(`/schedules/${created.json().id}/run`);
    const run = await finishedRun(admin, created.json().id);
    expect(run).toMatchObject({ outcome: 'done', detail: [{ why: 'installed the game' }] });
    expect(sim.runs().length).toBeGreaterThan(0);
    expect((await admin.get('/install')).json().job).toMatchObject({ state: 'succeeded' });
    await waitFor(() => receiver.received.length > 0);
    await alerts.settled();
    expect(receiver.received.map((entry) => (entry.body as { event: string }).event)).toEqual([
      'update_done',
    ]);
  });

  it('a job that fails fails the run: update_failed and schedule_failed reach the webhooks', async () => {
    const { admin, server, receiver, alerts } = await setUp('/nonexistent/steamcmd.sh');
    const created = await admin.post('/schedules', {
      name: 'update',
      cron: '0 4 * * *',
      server_ids: [server],
      tasks: [{ action: 'update', offset_seconds: 0 }],
    });
    await admin.post(`/schedules/${created.json().id}/run`);
    const run = await finishedRun(admin, created.json().id);
    expect(run.outcome).toBe('failed');
    expect(run.detail[0].why).toMatch(/^update: the install failed: steamcmd not found/);
    await waitFor(() => receiver.received.length > 1);
    await alerts.settled();
    const events = receiver.received.map((entry) => (entry.body as { event: string }).event);
    expect(events.sort()).toEqual(['schedule_failed', 'update_failed']);
  });

  it('is for admins: a user’s schedule with an update task is refused (400) and nothing is saved', async () => {
    const sim = await makeSimSteamcmd();
    const { t, admin } = await setUp(sim.program);
    await admin.post('/users', { username: 'bob', password });
    const bob = await logIn(t.app, 'bob');
    const own = await createServer(bob, {
      name: 'bobs',
      port: 28015,
      blueprint_id: await createBlueprint(bob),
    });
    const refused = await bob.post('/schedules', {
      name: 'update',
      cron: '0 4 * * *',
      server_ids: [own],
      tasks: [{ action: 'update', offset_seconds: 0 }],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      error: 'tasks: update is for admins',
      fields: { tasks: 'update is for admins' },
    });
    expect(await t.database.db.selectFrom('schedules').selectAll().execute()).toEqual([]);
  });
});
