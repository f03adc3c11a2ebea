import { AddonLinker } from '../addons/launch.js';
import type { Config } from '../config/config.js';
import { consoleLogPath } from '../config/paths.js';
import type { DatabaseHandle } from '../db/connect.js';
import { Instances } from '../instances/instances.js';
import { removeSharedCfgs } from '../instances/migrate.js';
import { type Clock, systemClock } from './clock.js';
import { ConsoleFollowers } from './console-follow.js';
import { lastConsoleLines } from './console-log.js';
import type {
  DesiredStateReason,
  Incident,
  LiveStatus,
  Player,
  PlayerCount,
  PlayerSample,
  ResourceUsage,
  ServerEvent,
  SupervisorControl,
} from './control.js';
import { backoffMs, noHold, type UpdateHold } from './decide.js';
import { RconFailed, ServerNotRunning } from './errors.js';
import { EventBus } from './events.js';
import { type ServerLink, sourceLink } from './link.js';
import { defaultSupervisorOptions, type SupervisorOptions } from './options.js';
import { A2sPoller } from './poller.js';
import { ProcessRuntime } from './process-runtime.js';
import { ReconcileStep, type ServerMessage } from './reconcile.js';
import { KeyedReconciler } from './reconciler.js';
import { PeriodicResync } from './resync.js';
import type { Runtime } from './runtime.js';
import { type ReadonlyStates, rconTarget, States } from './state.js';

export { defaultSupervisorOptions, type SupervisorOptions } from './options.js';

/**
 * Drives each server's actual state toward its desired state (DESIGN.md, Supervisor). Everything that
 * happens to a server (a request from the panel, an exit, an A2S answer, a timer) is a message to its
 * reconcile (KeyedReconciler: one step per server at a time), whose step (ReconcileStep) is the only
 * writer of the server's state; the methods here post messages and read. Game servers outlive the
 * panel: stop() never touches them, start() adopts them.
 */
export class Supervisor implements SupervisorControl {
  readonly options: SupervisorOptions;
  /** The servers' instance directories: `build(id)`, `rebuildAll()` (src/instances/instances.ts). */
  readonly instances: Instances;
  private readonly clock: Clock;
  private readonly runtime: Runtime;
  private readonly link: ServerLink;
  /** Read here; written only by the reconcile step. */
  private readonly states: ReadonlyStates;
  private readonly events: EventBus;
  private readonly consoles: ConsoleFollowers;
  private readonly poller: A2sPoller;
  private readonly reconciler: KeyedReconciler<ServerMessage>;
  private readonly resync: PeriodicResync;
  private closed = false;
  /** What a game install or update job asks of the servers (holdForUpdate, releaseUpdateHold). */
  private hold: UpdateHold = noHold;

  constructor(
    readonly config: Config,
    readonly database: DatabaseHandle,
    options: Partial<SupervisorOptions> = {},
  ) {
    this.options = { ...defaultSupervisorOptions, ...options };
    const states = new States();
    this.states = states;
    const { dataDir, srcdsDir } = config;
    this.instances = new Instances({ dataDir, srcdsDir });
    this.clock = this.options.clock ?? systemClock;
    this.runtime =
      this.options.runtime ?? new ProcessRuntime({ dataDir, adoptedPollMs: this.options.adoptedPollMs });
    this.link =
      this.options.link ??
      sourceLink({
        connectTimeoutMs: this.options.rconConnectTimeoutMs,
        commandTimeoutMs: this.options.rconCommandTimeoutMs,
      });
    this.events = new EventBus({ first: (id) => this.watched(id), last: (id) => this.consoles.unfollow(id) });
    this.consoles = new ConsoleFollowers(dataDir, this.events);
    this.poller = new A2sPoller({
      clock: this.clock,
      link: this.link,
      options: this.options,
      states: this.states,
      isWatched: (id) => this.events.hasListeners(id),
      answered: (id, handle, answer, at) =>
        this.reconciler.post(id, { kind: 'answered', handle, answer, at }),
    });
    const step = new ReconcileStep({
      database,
      states,
      events: this.events,
      poller: this.poller,
      consoles: this.consoles,
      processes: {
        dataDir,
        srcdsDir,
        options: this.options,
        runtime: this.runtime,
        instances: this.instances,
        addons: new AddonLinker(database.db, dataDir),
        link: this.link,
        clock: this.clock,
      },
      post: (id, message) => void this.reconciler.post(id, message),
      hold: () => this.hold,
    });
    this.reconciler = new KeyedReconciler((id, messages) => step.run(id, messages), {
      clock: this.clock,
      // Nothing runs before start() has adopted what still runs: a launch then would be a second process.
      paused: true,
      retryAfter: (failures) => backoffMs(failures, this.options),
      onError: (id, error) => {
        if (!this.closed) console.error(`supervisor: reconcile of server ${id} failed:`, error);
      },
    });
    this.resync = new PeriodicResync({
      database,
      dataDir,
      options: this.options,
      clock: this.clock,
      states,
      isBusy: (id) => this.reconciler.isBusy(id),
      hold: () => this.hold,
      look: (id) => void this.look(id),
    });
  }

  // ---------- lifecycle ----------

  /**
   * Moves a data folder of an older version to instance directories, adopts the game servers still
   * running, reconciles every server, then resyncs periodically.
   */
  async start(): Promise<void> {
    await this.removeSharedCfgs();
    const rows = await this.database.db.selectFrom('servers').select(['id']).execute();
    for (const { id } of rows) {
      const handle = await this.runtime.adopt(id);
      void this.reconciler.post(id, handle ? { kind: 'adopted', handle } : { kind: 'look' });
    }
    this.reconciler.resume();
    this.resync.start();
  }

  /** Stops watching; game servers keep running and the next panel adopts them. */
  async stop(): Promise<void> {
    this.closed = true;
    this.resync.stop();
    this.poller.close();
    this.consoles.close();
    this.runtime.close();
    await this.reconciler.close(2_000);
  }

  /** The upgrade to instance directories (src/instances/migrate.ts); a failure is reported, not fatal. */
  private async removeSharedCfgs(): Promise<void> {
    try {
      await removeSharedCfgs(this.config.srcdsDir);
    } catch (error) {
      console.error(
        `supervisor: could not remove the shared cfgs of an older version (they hold RCON passwords): ${(error as Error).message}`,
      );
    }
  }

  // ---------- SupervisorControl: actions post to the server's reconcile ----------

  desiredStateChanged(serverId: number, reason?: DesiredStateReason): void {
    void this.reconciler.post(serverId, reason === 'start' ? { kind: 'start' } : { kind: 'look' });
  }

  restart(serverId: number): Promise<void> {
    return this.reconciler.post(serverId, { kind: 'restart' });
  }

  removeServer(serverId: number): Promise<void> {
    return this.reconciler.post(serverId, { kind: 'remove' });
  }

  async rcon(serverId: number, command: string): Promise<string> {
    const state = this.states.get(serverId);
    if (!state?.process || state.actual !== 'running') throw new ServerNotRunning();
    let output: string;
    try {
      output = await this.link.command(serverId, rconTarget(state), command);
    } catch (error) {
      throw new RconFailed((error as Error).message);
    }
    // A kick or a map change shows on the next page view: the players and map are asked at once.
    this.poller.refresh(serverId);
    return output;
  }

  // ---------- SupervisorControl: reads ----------

  liveStatus(serverId: number): LiveStatus | null {
    const state = this.states.get(serverId);
    return state?.process && state.actual === 'running' ? state.live : null;
  }

  /** From the latest poll (awaited, briefly, when a console command asked for one); times are as of now. */
  async livePlayers(serverId: number): Promise<Player[] | null> {
    let cancel: (() => void) | undefined;
    await Promise.race([
      this.poller.refreshed(serverId),
      new Promise<void>((resolve) => {
        cancel = this.clock.after(this.options.a2sTimeoutMs, resolve);
      }),
    ]);
    cancel?.();
    const state = this.states.get(serverId);
    if (!state?.process || state.actual !== 'running' || !state.players) return null;
    const age = Math.max(0, this.clock.now() - state.answeredAt) / 1000;
    return state.players.map((player) => ({ ...player, seconds: player.seconds + age }));
  }

  playerHistory(serverId: number): PlayerSample[] {
    return [...(this.states.get(serverId)?.history ?? [])];
  }

  subscribe(serverId: number, listener: (event: ServerEvent) => void): () => void {
    return this.events.subscribe(serverId, listener);
  }

  async recentConsole(serverId: number, lines: number): Promise<string[]> {
    return lastConsoleLines(consoleLogPath(this.config.dataDir, serverId), lines);
  }

  /**
   * Polls at once and counts the players of an A2S_INFO answer taken in after this call began. An
   * earlier answer (the server may have hung since) or none at all leaves the count unknown; a server
   * without a process has nobody on it.
   */
  async countPlayers(serverId: number): Promise<PlayerCount> {
    const asked = this.clock.now();
    if (!this.states.get(serverId)?.process) return { known: true, players: 0, running: false };
    this.poller.refresh(serverId);
    let cancel: (() => void) | undefined;
    await Promise.race([
      this.poller.refreshed(serverId),
      // A poll is bounded by its own timeout; this only guards against one that never settles.
      new Promise<void>((resolve) => {
        cancel = this.clock.after(this.options.a2sTimeoutMs * 4, resolve);
      }),
    ]);
    cancel?.();
    const state = this.states.get(serverId);
    if (!state?.process) return { known: true, players: 0, running: false };
    if (state.actual === 'running' && state.live && state.answeredAt >= asked)
      return { known: true, players: state.live.players, running: true };
    return {
      known: false,
      why:
        state.actual === 'running'
          ? 'no A2S answer (the query timed out)'
          : `the server is ${state.actual}, not answering A2S yet`,
    };
  }

  /** Listens to every server's incidents (crashes, hangs, failures); see EventBus.onIncident. */
  onIncident(listener: (incident: Incident) => void): () => void {
    return this.events.onIncident(listener);
  }

  async resourceUsage(serverId: number): Promise<ResourceUsage | null> {
    const process = this.states.get(serverId)?.process;
    if (!process?.handle.isAlive()) return null;
    return (await this.runtime.usage?.(serverId)) ?? null;
  }

  // ---------- game install and update jobs (src/install/) ----------

  /**
   * A job is about to change the install: from now on no server starts, and every running one is
   * warned (RCON `say`), stopped and recorded `updating`, as is every other server that should run.
   * Resolves once no server process is left, or after `waitMs` (a process that cannot be stopped
   * is recorded failed by its reconcile; the job goes ahead).
   */
  async holdForUpdate(waitMs = 120_000): Promise<void> {
    this.hold = { updating: true, updateFailure: null };
    await this.lookAtEveryServer();
    const deadline = Date.now() + waitMs;
    while (this.serversWithProcesses().length > 0 && Date.now() < deadline && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * The job is over. With the install usable (`failure` null) the instances are rebuilt from it and
   * every server that should run starts again; otherwise those servers fail, naming `failure`.
   */
  async releaseUpdateHold(failure: string | null): Promise<void> {
    if (failure === null) {
      try {
        await this.instances.rebuildAll();
      } catch (error) {
        // Each launch builds its instance anyway; this only does it for all at once.
        console.error(
          `supervisor: rebuilding the instances after the update failed: ${(error as Error).message}`,
        );
      }
    }
    this.hold = { updating: false, updateFailure: failure };
    await this.lookAtEveryServer();
  }

  /**
   * AUTO_UPDATE=when-empty: whether every server with a process says over A2S that nobody plays. A
   * server that does not answer may have players: never empty.
   */
  async everyServerEmpty(): Promise<boolean> {
    const answers = await Promise.all(
      this.serversWithProcesses().map((state) =>
        this.link.query(state.port, this.options.a2sTimeoutMs).then(
          (answer) => answer.live.players === 0,
          () => false,
        ),
      ),
    );
    return answers.every(Boolean);
  }

  private serversWithProcesses() {
    return [...this.states.ids()].flatMap((id) => {
      const state = this.states.get(id);
      return state?.process ? [state] : [];
    });
  }

  private async lookAtEveryServer(): Promise<void> {
    const rows = await this.database.db.selectFrom('servers').select(['id']).execute();
    await Promise.all(rows.map(({ id }) => this.look(id)));
  }

  // ---------- for tests and diagnostics ----------

  /** The pid of the server's process, or null. */
  pidOf(serverId: number): number | null {
    const handle = this.states.get(serverId)?.process?.handle;
    return handle?.isAlive() ? handle.pid : null;
  }

  /** Resolves once a reconcile of the server that began now (it reads the row) has finished. */
  reconcile(serverId: number): Promise<void> {
    return this.look(serverId);
  }

  /** Resolves once no reconcile runs or waits, and no A2S poll or resync pass is under way. */
  async idle(): Promise<void> {
    const busy = () => [...this.poller.inFlight(), ...this.resync.inFlight()];
    for (;;) {
      await this.reconciler.idle();
      await Promise.all(busy());
      // Let what those settled (an exit, an answer) post its message.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.reconciler.hasWork() && busy().length === 0) return;
    }
  }

  private look(serverId: number): Promise<void> {
    return this.reconciler.post(serverId, { kind: 'look' });
  }

  /** Someone looks: fresh live facts soon (then at the watched pace), and the console as it grows. */
  private watched(serverId: number): void {
    this.poller.soon(serverId, Math.random() * 300);
    this.consoles.follow(serverId);
  }
}
