import type { FastifyInstance } from 'fastify';
import { AddonServices } from './addons/service.js';
import { buildApp } from './app.js';
import { deleteOldAudit } from './audit/log.js';
import { SecretKey } from './auth/secret-key.js';
import { sweepExpiredSessions } from './auth/sessions.js';
import type { Config } from './config/config.js';
import { panelId } from './containers/panel-id.js';
import { containerRuntime } from './containers/runtime-factory.js';
import { type DatabaseHandle, openDatabase } from './db/connect.js';
import { DatabaseFileLock } from './db/file-lock.js';
import { type LeaseOptions, SupervisionLease } from './db/lock.js';
import { migrateToLatest } from './db/migrate.js';
import { sweepHourly } from './db/sweep.js';
import { InstallGate } from './install/control.js';
import type { Installer } from './install/installer.js';
import { panelAutoUpdater, panelInstaller } from './install/wiring.js';
import { ScheduleRunner } from './schedules/runner.js';
import { pruneRuns } from './schedules/schedules.js';
import { LeaseGate } from './supervisor/lease-gate.js';
import { defaultSupervisorOptions, Supervisor, type SupervisorOptions } from './supervisor/supervisor.js';
import { Alerts } from './webhooks/alerts.js';
import { alertOnInstall } from './webhooks/install-alerts.js';

export interface Panel {
  app: FastifyInstance;
  database: DatabaseHandle;
  /** The current supervisor (started only while this panel holds the supervision lease). */
  readonly supervisor: Supervisor;
  /** Whether this panel holds the supervision lease, i.e. supervises the game servers. */
  readonly supervising: boolean;
  /**
   * The addon store and Workshop queue. The periodic update check (install/auto-update.ts) also calls
   * `addons.refreshWorkshop()`:
   * newer Workshop items download and the servers running them get `restart_required`.
   */
  addons: AddonServices;
  /** Installs and updates the game (jobs run only while supervising). */
  installer: Installer;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens and migrates the database, starts the supervisor and serves HTTP. On a SQLite database
 * another panel holds, throws DatabaseInUseError before touching anything.
 */
export async function startPanel(
  config: Config,
  supervisorOptions: Partial<SupervisorOptions> = {},
  leaseOptions: Pick<LeaseOptions, 'retryMs' | 'checkMs'> = {},
): Promise<Panel> {
  const fileLock = DatabaseFileLock.acquireFor(config.databaseUrl);
  const database = openDatabase(config.databaseUrl);
  let id: string;
  try {
    await migrateToLatest(database);
    // Labels this database's containers and services (the docker and swarm runtimes).
    id = await panelId(database.db);
  } catch (error) {
    await database.close();
    fileLock?.release();
    throw error;
  }
  let alerts: Alerts | undefined;
  // The runtime RUNTIME names, made anew for each supervisor (a stopped one closes its runtime); each
  // supervisor's incidents (crashes, hangs, failures) go to the alerts' queue.
  const newSupervisor = () => {
    const stopGraceMs = supervisorOptions.stopGraceMs ?? defaultSupervisorOptions.stopGraceMs;
    const runtime = supervisorOptions.runtime ?? containerRuntime(config, id, stopGraceMs);
    const made = new Supervisor(config, database, { ...supervisorOptions, runtime });
    made.onIncident((incident) => alerts?.incident(incident));
    return made;
  };
  // Supervision lease (issue 5, src/db/lock.ts): panels sharing one PostgreSQL database never
  // supervise at once. Only the lease holder starts its Supervisor; the others serve the UI only
  // (the routes' start/stop/delete calls are dropped there) and take over when the lease is free.
  let supervisor = newSupervisor();
  let lease: SupervisionLease | undefined;
  let closing = false;
  const control = new LeaseGate(
    () => supervisor,
    () => lease?.isHeld ?? false,
  );
  const addons = new AddonServices(config, database.db, (message) => app.log.warn(message));
  // Install and update jobs (src/install/) hold the current supervisor's servers while SteamCMD runs;
  // like the supervisor, they run only while this panel holds the lease.
  const log = { error: (object: unknown, message?: string) => app.log.error(object, message) };
  const installer = panelInstaller(config, database, () => supervisor, log);
  const autoUpdater = panelAutoUpdater(
    config,
    installer,
    () => supervisor,
    { info: (message) => app.log.info(message), error: (message) => app.log.error(message) },
    { alsoRefresh: () => addons.refreshWorkshop() },
  );
  const install = new InstallGate(installer, () => lease?.isHeld ?? false);
  const app = await buildApp({ config, database, supervisor: control, addons, install });
  // Half-written downloads go; those a stop cut off start again.
  await addons.start();
  const deliveries = new Alerts(
    { db: database.db, secretKey: new SecretKey(config.dataDir), supervisor: control, log: app.log },
    { allowPrivate: config.allowPrivateWebhooks },
  );
  alerts = deliveries;
  const stopInstallAlerts = alertOnInstall(installer, deliveries);
  lease = await SupervisionLease.acquire(config.databaseUrl, {
    ...leaseOptions,
    fileLock,
    log: app.log,
    onAcquired: async () => {
      // A job the last supervising panel left running ended with it.
      await installer.store.failInterruptedJobs(new Date().toISOString());
      await supervisor.start();
      await autoUpdater.start();
    },
    onLost: async () => {
      autoUpdater.stop();
      await installer.close();
      await supervisor.stop();
      // A stopped Supervisor does not start again: a fresh one waits for the lease to come back.
      if (!closing) {
        supervisor = newSupervisor();
        control.supervisorReplaced();
      }
    },
  });
  const held = lease;
  // Schedules run only where the supervisor runs: the runner looks at the lease on every tick.
  const runner = new ScheduleRunner({
    db: database.db,
    supervisor: control,
    supervising: () => held.isHeld,
    log: app.log,
    install,
    onFailed: deliveries.scheduleFailed,
  });
  runner.start();
  const stopSweeping = [
    sweepExpiredSessions(database.db, app.log),
    sweepHourly('old audit entries', () => deleteOldAudit(database.db, config.auditRetentionDays), app.log),
    sweepHourly('old schedule runs', () => pruneRuns(database.db), app.log),
  ];
  const close = async () => {
    closing = true;
    for (const stop of stopSweeping) stop();
    await runner.stop();
    stopInstallAlerts();
    await deliveries.stop();
    await addons.stop();
    await app.close();
    await held.stop();
    autoUpdater.stop();
    // SteamCMD does not go on unsupervised; the servers it held start again (or fail, naming why).
    await installer.close();
    // Game servers keep running: the next panel adopts them.
    await supervisor.stop();
    // Only now may another panel take over.
    await held.release();
    await database.close();
    fileLock?.release();
  };
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A port in use: give everything back (an in-process caller may try again).
    await close();
    throw error;
  }
  return {
    app,
    database,
    get supervisor() {
      return supervisor;
    },
    get supervising() {
      return held.isHeld;
    },
    addons,
    installer,
    url,
    close,
  };
}
