/**
 * The real supervisor on a real app, database and simulated srcds install, with short timings; and
 * the bookkeeping that makes sure no test leaves a game server process behind.
 */
import { expect } from 'vitest';
import { killLeftovers as killProcessGroupsOf, processesOf } from '../../src/bench/procs.js';
import type { Dialect } from '../../src/db/connect.js';
import { Installer } from '../../src/install/installer.js';
import { InstallStore } from '../../src/install/store.js';
import { liveInstall } from '../../src/install/wiring.js';
import { isRunning, readProcStat } from '../../src/os/proc.js';
import type { ServerEvent } from '../../src/supervisor/control.js';
import { LeaseGate } from '../../src/supervisor/lease-gate.js';
import { Supervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.js';
import {
  type Client,
  createBlueprint,
  createServer,
  openStream,
  signUp,
  startTestApp,
  type TestApp,
  testInstallerSettings,
} from './app.js';
import { FakeClock } from './fake-clock.js';
import { FakeRuntime } from './fake-runtime.js';
import { freeGamePort, makeSimulatedInstall, stopAllSimulators } from './simulator.js';

/** Timings small enough for tests, large enough for a loaded two-core machine. */
export const fastOptions: Partial<SupervisorOptions> = {
  startTimeoutMs: 15_000,
  hangTimeoutMs: 2_000,
  crashLoopCount: 3,
  crashWindowMs: 60_000,
  backoffInitialMs: 200,
  backoffMaxMs: 1_000,
  resyncMs: 500,
  a2sIntervalMs: 300,
  a2sIdleIntervalMs: 300,
  a2sStartingIntervalMs: 150,
  a2sTimeoutMs: 400,
  stopGraceMs: 1_500,
  rconConnectTimeoutMs: 1_500,
  rconCommandTimeoutMs: 2_000,
  adoptedPollMs: 200,
  updateWarningMs: 300,
};

export interface SupervisedApp extends TestApp {
  supervisor: Supervisor;
  installDir: string;
  client: Client;
  blueprintId: number;
  /** Creates a server on a free port; returns its id and port. */
  newServer(name?: string): Promise<{ id: number; port: number }>;
  /** Creates a server, starts it and waits until it is running. */
  newRunningServer(): Promise<{ id: number; port: number }>;
  /** A new Supervisor on the same app and database (the old one must be stopped). */
  replaceSupervisor(options?: Partial<SupervisorOptions>): Promise<Supervisor>;
}

const dirsInUse = new Set<string>();
let serverCount = 0;

export async function startSupervisedApp(
  options: {
    supervisor?: Partial<SupervisorOptions>;
    installDir?: string;
    blueprint?: Record<string, unknown>;
    dialect?: Dialect;
    /** More environment for the app's configuration (STEAMCMD, STEAM_API_URL, ...). */
    env?: Record<string, string>;
  } = {},
): Promise<SupervisedApp> {
  const installDir = options.installDir ?? (await makeSimulatedInstall());
  // The app is built before the supervisor that needs its config and database: the routes reach the
  // current one through the same indirection as a real panel's (src/panel.ts), always supervising.
  let current: Supervisor | undefined;
  const supervisor = new LeaseGate(
    () => current as Supervisor,
    () => true,
  );
  const testApp = await startTestApp({
    env: { SRCDS_DIR: installDir, ...options.env },
    supervisor,
    dialect: options.dialect,
    // Jobs hold the servers of the current supervisor, as in a panel (src/install/wiring.ts).
    installer: (config, database) =>
      new Installer(
        new InstallStore(database.db),
        testInstallerSettings(config),
        liveInstall(() => current as Supervisor),
      ),
  });
  dirsInUse.add(installDir);
  dirsInUse.add(testApp.dataDir);
  const make = async (extra?: Partial<SupervisorOptions>) => {
    const supervisor = new Supervisor(testApp.config, testApp.database, {
      ...fastOptions,
      ...options.supervisor,
      ...extra,
    });
    current = supervisor;
    await supervisor.start();
    return supervisor;
  };
  const client = await signUp(testApp.app, 'admin');
  const blueprintId = await createBlueprint(client, { name: 'coop', ...options.blueprint });
  const app: SupervisedApp = {
    ...testApp,
    supervisor: await make(),
    installDir,
    client,
    blueprintId,
    async newServer(name) {
      const port = await freeGamePort();
      const id = await createServer(client, {
        name: name ?? `server-${++serverCount}`,
        port,
        blueprint_id: blueprintId,
      });
      return { id, port };
    },
    async newRunningServer() {
      const server = await app.newServer();
      await client.post(`/servers/${server.id}/start`);
      await waitForState(app, server.id, 'running');
      return server;
    },
    async replaceSupervisor(extra) {
      app.supervisor = await make(extra);
      supervisor.supervisorReplaced();
      return app.supervisor;
    },
    async close() {
      await app.installer.close();
      await app.supervisor.stop();
      await testApp.close();
    },
  };
  return app;
}

export interface FakeSupervisedApp extends SupervisedApp {
  runtime: FakeRuntime;
  clock: FakeClock;
  /** A new supervisor, fake runtime and clock on the same app and database, and no servers. */
  fresh(): Promise<FakeSupervisedApp>;
  /**
   * Moves the fake clock on by ms, one timer at a time, letting the supervisor finish what each
   * started (not while a stop waits out a grace period on the clock: see untilTimerIn).
   */
  advance(ms: number): Promise<void>;
  /** Waits, in real time, until the supervisor has set a timer for exactly ms from now. */
  untilTimerIn(ms: number): Promise<void>;
  /** A server started through the routes and answering A2S: running. */
  newRunningServer(): Promise<{ id: number; port: number }>;
}

const fakes = () => {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  return { clock, runtime, options: { runtime, link: runtime.link, clock } };
};

/**
 * The real supervisor on a real app and database, with a fake runtime (no process is spawned), its
 * A2S and RCON, and a fake clock: orchestration tests that take no real time.
 */
export async function startFakeSupervisedApp(
  options: { dialect?: Dialect } = {},
): Promise<FakeSupervisedApp> {
  const first = fakes();
  const app = await startSupervisedApp({ dialect: options.dialect, supervisor: first.options });
  const replace = app.replaceSupervisor;
  const fakeApp: FakeSupervisedApp = Object.assign(app, {
    runtime: first.runtime,
    clock: first.clock,
    /** A new supervisor (the old one stopped) on the same fake runtime and clock. */
    replaceSupervisor(extra?: Partial<SupervisorOptions>) {
      const { runtime, clock } = fakeApp;
      return replace({ runtime, link: runtime.link, clock, ...extra });
    },
    async fresh() {
      await app.supervisor.stop();
      await app.database.db.deleteFrom('server_ports').execute();
      await app.database.db.deleteFrom('servers').execute();
      const next = fakes();
      Object.assign(fakeApp, { runtime: next.runtime, clock: next.clock });
      await fakeApp.replaceSupervisor();
      return fakeApp;
    },
    async advance(ms: number) {
      const { clock, supervisor } = fakeApp;
      let left = ms;
      await supervisor.idle();
      for (let next = clock.nextIn(); next !== undefined && next <= left; next = clock.nextIn()) {
        clock.advance(next);
        left -= next;
        await supervisor.idle();
      }
      clock.advance(left);
      await supervisor.idle();
    },
    async untilTimerIn(ms: number) {
      await waitFor(() => fakeApp.clock.hasTimerIn(ms), { intervalMs: 1, timeoutMs: 10_000 });
    },
    async newRunningServer() {
      const server = await app.newServer();
      await app.client.post(`/servers/${server.id}/start`);
      await fakeApp.advance(fastOptions.a2sStartingIntervalMs ?? 0);
      expect((await serverRow(app, server.id)).actual_state).toBe('running');
      return server;
    },
  });
  return fakeApp;
}

/**
 * The afterEach of a supervised test: closes its app, runs the test's own cleanup (and empties cleanups), ends what is left
 * running, and checks no process still uses the app's directories (or `dirs`).
 */
export async function endSupervisedTest(
  app: SupervisedApp | undefined,
  extra: { cleanup?: () => void; cleanups?: Array<() => void>; dirs?: string[] } = {},
): Promise<void> {
  const used = app ? [app.installDir, app.dataDir] : [];
  await app?.close();
  extra.cleanup?.();
  for (const step of extra.cleanups?.splice(0) ?? []) step();
  await killLeftovers();
  for (const dir of [...used, ...(extra.dirs ?? [])]) expect(processesUsing(dir)).toEqual([]);
}

/**
 * Pids of live processes whose command line mentions dir. The simulator's has `--root <game root>`:
 * a server's instance under the data dir when the panel started it.
 */
export function processesUsing(dir: string): number[] {
  return processesOf(dir).map(({ pid }) => pid);
}

/** SIGKILLs every process group still using a test's directories, and waits until they are gone. */
async function killLeftovers(): Promise<void> {
  for (const dir of dirsInUse) killProcessGroupsOf(dir);
  const deadline = Date.now() + 5_000;
  while ([...dirsInUse].some((dir) => processesUsing(dir).length > 0) && Date.now() < deadline)
    await sleep(50);
  dirsInUse.clear();
  await stopAllSimulators();
}

/** Remembers a directory whose processes killLeftovers() must end. */
export function trackDir(dir: string): void {
  dirsInUse.add(dir);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check() returns a truthy value; throws with describe() after timeoutMs. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => unknown } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      const detail = options.describe ? JSON.stringify(await options.describe()) : '';
      throw new Error(`timed out waiting for ${check.toString()} ${detail}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}

export async function serverRow(app: TestApp, id: number) {
  return app.database.db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Waits until the server's recorded actual_state is `state`; returns the row. */
export async function waitForState(app: TestApp, id: number, state: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const row = await serverRow(app, id);
      return row.actual_state === state ? row : null;
    },
    { timeoutMs, describe: () => serverRow(app, id) },
  );
}

/** True when the process is alive (not a zombie). */
export function isAlive(pid: number): boolean {
  return isRunning(readProcStat(pid));
}

/** Opens GET /servers/:id/events on a listening app and collects the events. */
export function openEvents(baseUrl: string, id: number, cookie: string) {
  return openStream<ServerEvent>(`${baseUrl}/servers/${id}/events`, cookie);
}
