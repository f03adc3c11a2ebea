import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { DatabaseHandle } from '../db/connect.js';
import type { ActualState, DesiredState } from '../db/schema.js';
import { AppError } from '../http/errors.js';
import { buildLaunchPlan, cfgRelativeFor } from '../launch/plan.js';
import { queryLiveStatus } from './a2s.js';
import { appendConsoleNote, boundConsoleLog, ConsoleFollower, lastConsoleLines } from './console-log.js';
import type { DesiredStateReason, LiveStatus, ServerEvent, SupervisorControl } from './control.js';
import {
  type Action,
  type DecideInput,
  type DecideOptions,
  decide,
  describeExit,
  recentCrashes,
} from './decide.js';
import { EventBus } from './events.js';
import { consoleLogPath, serverDataDir } from './paths.js';
import { bindFailureIn, busyPort } from './ports.js';
import { ProcessRuntime } from './process-runtime.js';
import { RconClient } from './rcon.js';
import { KeyedReconciler } from './reconciler.js';
import { LaunchError, type Runtime, type RuntimeHandle } from './runtime.js';

/** Timings of the supervisor; tests pass small values. */
export interface SupervisorOptions extends DecideOptions {
  /** Every server is looked at this often, whatever else happens. */
  resyncMs: number;
  /** A2S of a running server someone watches (its events have listeners), of one nobody watches, and of a starting one. */
  a2sIntervalMs: number;
  a2sIdleIntervalMs: number;
  a2sStartingIntervalMs: number;
  a2sTimeoutMs: number;
  /** Stop: wait this long after RCON quit, then after SIGTERM, before the next step. */
  stopGraceMs: number;
  rconConnectTimeoutMs: number;
  rconCommandTimeoutMs: number;
  /** Adopted processes are not our children; /proc is checked this often to see them exit. */
  adoptedPollMs: number;
  /** console.log is cut (its content kept as console.log.1) once larger than this. */
  consoleLogMaxBytes: number;
  /** The player-count history kept per server, and its resolution. */
  playerHistoryMs: number;
  playerHistoryStepMs: number;
  /** Another way to run servers (containers...); the process runtime by default. */
  runtime?: Runtime;
}

export const defaultSupervisorOptions: SupervisorOptions = {
  startTimeoutMs: 60_000,
  hangTimeoutMs: 30_000,
  crashLoopCount: 5,
  crashWindowMs: 300_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 30_000,
  resyncMs: 5_000,
  a2sIntervalMs: 3_000,
  a2sIdleIntervalMs: 15_000,
  a2sStartingIntervalMs: 1_000,
  a2sTimeoutMs: 1_500,
  stopGraceMs: 10_000,
  rconConnectTimeoutMs: 3_000,
  rconCommandTimeoutMs: 5_000,
  adoptedPollMs: 1_000,
  consoleLogMaxBytes: 5 * 1024 * 1024,
  playerHistoryMs: 3_600_000,
  playerHistoryStepMs: 30_000,
};

export interface PlayerSample {
  at: number;
  players: number;
}

/** What the supervisor knows of one server beyond its row. */
interface Slot {
  id: number;
  port: number;
  rconPassword: string;
  /** actual_state, last_error and desired_state as last read or written. */
  actual: ActualState;
  lastError: string;
  desired: DesiredState;
  handle: RuntimeHandle | null;
  /** Launch or adoption time of the handle. */
  since: number;
  lastAnswerAt: number | null;
  live: LiveStatus | null;
  exit: DecideInput['exit'];
  crashes: number[];
  retry: boolean;
  restart: boolean;
  removing: boolean;
  /** Our own stop is under way: the exit it causes is expected. */
  stopping: boolean;
  /** Size of the console log when the process was launched: its own output starts there. */
  logOffset: number;
  pollTimer: NodeJS.Timeout | undefined;
  wakeTimer: NodeJS.Timeout | undefined;
  wakeAt: number;
  follower: ConsoleFollower | undefined;
  players: PlayerSample[];
}

interface ServerFacts {
  id: number;
  port: number;
  desired_state: DesiredState;
  actual_state: ActualState;
  last_error: string;
  rcon_password: string;
  arguments: string;
  config: string;
}

const LOOPBACK = '127.0.0.1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drives each server's actual state toward its desired state (DESIGN.md, Supervisor). One reconcile
 * per server at a time (KeyedReconciler); each observes, asks decide() for the next step, does it and
 * records the result. Game servers outlive the panel: stop() never touches them, start() adopts them.
 */
export class Supervisor implements SupervisorControl {
  readonly options: SupervisorOptions;
  private readonly runtime: Runtime;
  private readonly slots = new Map<number, Slot>();
  private readonly events: EventBus;
  private readonly reconciler: KeyedReconciler;
  private readonly rconClient: RconClient;
  /** Servers being deleted: never reconciled again, even if their row lingers a moment. */
  private readonly removed = new Map<number, number>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncing = false;
  private closed = false;

  constructor(
    readonly config: Config,
    readonly database: DatabaseHandle,
    options: Partial<SupervisorOptions> = {},
  ) {
    this.options = { ...defaultSupervisorOptions, ...options };
    this.runtime =
      this.options.runtime ??
      new ProcessRuntime({ dataDir: config.dataDir, adoptedPollMs: this.options.adoptedPollMs });
    this.events = new EventBus({ first: (id) => this.follow(id), last: (id) => this.unfollow(id) });
    this.reconciler = new KeyedReconciler(
      (id) => this.reconcileOnce(id),
      (id, error) => {
        if (!this.closed) console.error(`supervisor: reconcile of server ${id} failed:`, error);
      },
    );
    this.rconClient = new RconClient({
      connectTimeoutMs: this.options.rconConnectTimeoutMs,
      commandTimeoutMs: this.options.rconCommandTimeoutMs,
    });
  }

  // ---------- lifecycle ----------

  /** Adopts the game servers still running, reconciles every server, then resyncs periodically. */
  async start(): Promise<void> {
    const rows = await this.database.db.selectFrom('servers').select(['id']).execute();
    for (const { id } of rows) {
      const handle = await this.runtime.adopt(id);
      if (handle) this.attach(this.slot(id), handle);
    }
    for (const { id } of rows) void this.reconciler.trigger(id);
    this.resyncTimer = setInterval(() => void this.resync(), this.options.resyncMs);
    this.resyncTimer.unref();
  }

  /** Stops watching; game servers keep running and the next panel adopts them. */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.resyncTimer);
    for (const slot of this.slots.values()) {
      clearTimeout(slot.pollTimer);
      clearTimeout(slot.wakeTimer);
      slot.follower?.close();
      slot.follower = undefined;
    }
    this.runtime.close();
    await this.reconciler.close(2_000);
  }

  // ---------- SupervisorControl ----------

  desiredStateChanged(serverId: number, reason?: DesiredStateReason): void {
    const slot = this.slot(serverId);
    if (reason === 'start') this.askAgain(slot);
    void this.reconciler.trigger(serverId);
  }

  async restart(serverId: number): Promise<void> {
    const slot = this.slot(serverId);
    this.askAgain(slot);
    slot.restart = true;
    await this.reconciler.trigger(serverId);
  }

  async removeServer(serverId: number): Promise<void> {
    const slot = this.slot(serverId);
    slot.removing = true;
    await this.reconciler.trigger(serverId);
    this.removed.set(serverId, Date.now());
    clearTimeout(slot.pollTimer);
    clearTimeout(slot.wakeTimer);
    slot.follower?.close();
    this.slots.delete(serverId);
    await this.runtime.forget(serverId);
    await rm(serverDataDir(this.config.dataDir, serverId), { recursive: true, force: true });
    await rm(path.join(this.config.srcdsDir, 'left4dead2', 'cfg', cfgRelativeFor(serverId)), { force: true });
  }

  liveStatus(serverId: number): LiveStatus | null {
    const slot = this.slots.get(serverId);
    return slot?.handle && slot.actual === 'running' ? slot.live : null;
  }

  async rcon(serverId: number, command: string): Promise<string> {
    const slot = this.slots.get(serverId);
    if (!slot?.handle || slot.actual !== 'running') throw new AppError(409, 'server is not running');
    try {
      return await this.rconClient.command(serverId, this.rconTarget(slot), command);
    } catch (error) {
      throw new AppError(502, `rcon: ${(error as Error).message}`);
    }
  }

  subscribe(serverId: number, listener: (event: ServerEvent) => void): () => void {
    return this.events.subscribe(serverId, listener);
  }

  async recentConsole(serverId: number, lines: number): Promise<string[]> {
    return lastConsoleLines(consoleLogPath(this.config.dataDir, serverId), lines);
  }

  /** (time, players) of the last hour, oldest first, for a sparkline. */
  playerHistory(serverId: number): PlayerSample[] {
    return [...(this.slots.get(serverId)?.players ?? [])];
  }

  /** The pid of the server's process, or null (for tests and diagnostics). */
  pidOf(serverId: number): number | null {
    const handle = this.slots.get(serverId)?.handle;
    return handle?.isAlive() ? handle.pid : null;
  }

  /** Resolves once a reconcile of the server that began now has finished. */
  reconcile(serverId: number): Promise<void> {
    return this.reconciler.trigger(serverId);
  }

  // ---------- reconcile ----------

  private slot(id: number): Slot {
    let slot = this.slots.get(id);
    if (!slot) {
      slot = {
        id,
        port: 0,
        rconPassword: '',
        actual: 'unknown',
        lastError: '',
        desired: 'stopped',
        handle: null,
        since: 0,
        lastAnswerAt: null,
        live: null,
        exit: null,
        crashes: [],
        retry: false,
        restart: false,
        removing: false,
        stopping: false,
        logOffset: 0,
        pollTimer: undefined,
        wakeTimer: undefined,
        wakeAt: 0,
        follower: undefined,
        players: [],
      };
      this.slots.set(id, slot);
    }
    return slot;
  }

  /** Start or restart pressed: a failed or crash-looping server gets a fresh chance. */
  private askAgain(slot: Slot): void {
    slot.retry = true;
    slot.crashes = [];
  }

  private decision(slot: Slot, now = Date.now()): Action {
    slot.crashes = recentCrashes(slot.crashes, now, this.options);
    return decide(
      {
        desired: slot.desired,
        actual: slot.actual,
        lastError: slot.lastError,
        process: slot.handle
          ? { since: slot.since, adopted: slot.handle.adopted, lastAnswerAt: slot.lastAnswerAt }
          : null,
        exit: slot.exit,
        crashes: slot.crashes,
        retry: slot.retry,
        restart: slot.restart,
        removing: slot.removing,
        now,
      },
      this.options,
    );
  }

  private async loadFacts(id: number): Promise<ServerFacts | undefined> {
    return this.database.db
      .selectFrom('servers')
      .innerJoin('blueprints', 'blueprints.id', 'servers.blueprint_id')
      .select([
        'servers.id',
        'servers.port',
        'servers.desired_state',
        'servers.actual_state',
        'servers.last_error',
        'servers.rcon_password',
        'blueprints.arguments',
        'blueprints.config',
      ])
      .where('servers.id', '=', id)
      .executeTakeFirst();
  }

  /** One step: observe, decide, act, record. True when it did something (look again). */
  private async reconcileOnce(id: number): Promise<boolean> {
    if (this.closed || (this.removed.has(id) && !this.slots.get(id)?.removing)) return false;
    const facts = await this.loadFacts(id);
    const slot = this.slot(id);
    if (!facts) {
      // The row is gone (deleted behind our back): its process must not outlive it.
      slot.removing = true;
      if (!slot.handle) {
        this.slots.delete(id);
        return false;
      }
    } else {
      slot.port = facts.port;
      slot.rconPassword = facts.rcon_password;
      slot.desired = facts.desired_state;
      slot.actual = facts.actual_state;
      slot.lastError = facts.last_error;
    }
    const action = this.decision(slot);
    switch (action.kind) {
      case 'none':
        this.wakeAt(slot, action.wakeAt);
        return false;
      case 'record':
        if (action.countsAsCrash) slot.crashes.push(Date.now());
        slot.exit = null;
        await this.record(slot, action.outcome.actual, action.outcome.lastError);
        return true;
      case 'launch':
        if (!facts) return false;
        await this.launch(slot, facts, action.clearError);
        return true;
      case 'stop':
        await this.record(slot, 'stopping', slot.lastError);
        await this.stopProcess(slot, action.gentle, action.outcome.lastError);
        if (action.countsAsCrash) slot.crashes.push(Date.now());
        slot.exit = null;
        if (slot.handle) {
          await this.record(slot, 'failed', `could not stop the server process (pid ${slot.handle.pid})`);
          return false;
        }
        if (facts) await this.record(slot, action.outcome.actual, action.outcome.lastError);
        return true;
    }
  }

  /** Writes actual_state and last_error (only the supervisor does) and tells the listeners. */
  private async record(slot: Slot, actual: ActualState, lastError: string): Promise<void> {
    if (slot.actual === actual && slot.lastError === lastError) return;
    await this.database.db
      .updateTable('servers')
      .set({ actual_state: actual, last_error: lastError })
      .where('id', '=', slot.id)
      .execute();
    slot.actual = actual;
    slot.lastError = lastError;
    this.events.emit(slot.id, {
      type: 'state',
      actual_state: actual,
      desired_state: slot.desired,
      last_error: lastError,
    });
    if (actual !== 'running') this.setLive(slot, null);
    else if (slot.live) this.events.emit(slot.id, { type: 'live', live: slot.live });
  }

  private async launch(slot: Slot, facts: ServerFacts, clearError: boolean): Promise<void> {
    slot.retry = false;
    slot.restart = false;
    if (clearError) slot.crashes = [];
    const lastError = clearError ? '' : slot.lastError;
    await this.record(slot, 'starting', lastError);
    const logPath = consoleLogPath(this.config.dataDir, slot.id);
    const busy = await busyPort(facts.port);
    if (busy) {
      const message = `port ${busy} is in use by another program`;
      await appendConsoleNote(logPath, `not started: ${message}`);
      await this.record(slot, 'failed', message);
      return;
    }
    const plan = buildLaunchPlan(
      { id: slot.id, port: facts.port },
      { arguments: JSON.parse(facts.arguments) as string[], config: JSON.parse(facts.config) as string[] },
      { srcdsDir: this.config.srcdsDir, rconPassword: facts.rcon_password },
    );
    slot.logOffset = await fileSize(logPath);
    let handle: RuntimeHandle;
    try {
      handle = await this.runtime.launch(slot.id, plan);
    } catch (error) {
      if (!(error instanceof LaunchError)) throw error;
      await appendConsoleNote(logPath, `not started: ${error.message}`).catch(() => undefined);
      await this.record(slot, 'failed', error.message);
      return;
    }
    this.attach(slot, handle);
  }

  /** Watches a launched or adopted process: its exit and its A2S answers. */
  private attach(slot: Slot, handle: RuntimeHandle): void {
    slot.handle = handle;
    slot.since = handle.adopted ? Date.now() : handle.launchedAt;
    slot.lastAnswerAt = null;
    slot.exit = null;
    void handle.exited.then((exit) => this.exited(slot, handle, describeExit(exit)));
    this.schedulePoll(slot, handle.adopted ? Math.random() * 200 : this.options.a2sStartingIntervalMs / 2);
  }

  private async exited(slot: Slot, handle: RuntimeHandle, description: string): Promise<void> {
    if (slot.handle !== handle) return;
    slot.handle = null;
    slot.lastAnswerAt = null;
    clearTimeout(slot.pollTimer);
    this.setLive(slot, null);
    if (this.closed || slot.stopping) return;
    const logPath = consoleLogPath(this.config.dataDir, slot.id);
    let busy: string | null = null;
    if (slot.actual === 'starting' && !handle.adopted)
      busy = bindFailureIn(readFrom(logPath, slot.logOffset), slot.port);
    slot.exit = { at: Date.now(), description, busyPort: busy };
    await appendConsoleNote(logPath, `server process ${handle.pid} ${description}`).catch(() => undefined);
    void this.reconciler.trigger(slot.id);
  }

  /** RCON quit (when gentle), then SIGTERM, then SIGKILL of the process group, each after a grace period. */
  private async stopProcess(slot: Slot, gentle: boolean, why: string): Promise<void> {
    const handle = slot.handle;
    if (!handle) return;
    slot.stopping = true;
    const logPath = consoleLogPath(this.config.dataDir, slot.id);
    try {
      const gone = (ms: number) =>
        Promise.race([handle.exited.then(() => true), sleep(ms).then(() => !handle.isAlive())]);
      if (gentle) {
        await appendConsoleNote(logPath, 'stopping: rcon quit').catch(() => undefined);
        const quick = {
          connectTimeoutMs: Math.min(this.options.rconConnectTimeoutMs, 2_000),
          commandTimeoutMs: 2_000,
        };
        await this.rconClient.command(slot.id, this.rconTarget(slot), 'quit', quick).catch(() => undefined);
        if (await gone(this.options.stopGraceMs)) return;
      } else {
        await appendConsoleNote(logPath, `stopping: ${why}`).catch(() => undefined);
      }
      this.runtime.signal(handle, 'SIGTERM');
      if (await gone(this.options.stopGraceMs)) return;
      await appendConsoleNote(logPath, 'stopping: no exit after SIGTERM, sending SIGKILL').catch(
        () => undefined,
      );
      this.runtime.signal(handle, 'SIGKILL');
      await gone(5_000);
    } finally {
      slot.stopping = false;
      if (!handle.isAlive() && slot.handle === handle) slot.handle = null;
      if (!slot.handle) clearTimeout(slot.pollTimer);
    }
  }

  private rconTarget(slot: Slot) {
    return { host: LOOPBACK, port: slot.port, password: slot.rconPassword };
  }

  /** A one-shot timer per server, only while a backoff or a timeout is pending. */
  private wakeAt(slot: Slot, at: number | undefined): void {
    if (at === undefined || this.closed) return;
    if (slot.wakeTimer && slot.wakeAt <= at && slot.wakeAt > Date.now()) return;
    clearTimeout(slot.wakeTimer);
    slot.wakeAt = at;
    slot.wakeTimer = setTimeout(
      () => {
        slot.wakeTimer = undefined;
        void this.reconciler.trigger(slot.id);
      },
      Math.max(0, at - Date.now()),
    );
    slot.wakeTimer.unref();
  }

  // ---------- A2S ----------

  private schedulePoll(slot: Slot, delayMs: number): void {
    clearTimeout(slot.pollTimer);
    if (this.closed) return;
    slot.pollTimer = setTimeout(() => void this.poll(slot), delayMs);
    slot.pollTimer.unref();
  }

  private async poll(slot: Slot): Promise<void> {
    const handle = slot.handle;
    if (!handle || this.closed) return;
    let live: LiveStatus | null = null;
    try {
      live = await queryLiveStatus(LOOPBACK, slot.port, this.options.a2sTimeoutMs);
    } catch {
      // No answer: starting, hung or gone; decide() weighs the silence.
    }
    if (slot.handle !== handle || this.closed) return;
    const now = Date.now();
    if (live) {
      slot.lastAnswerAt = now;
      this.setLive(slot, live);
      this.samplePlayers(slot, now, live.players);
      if (slot.actual !== 'running') void this.reconciler.trigger(slot.id);
    } else {
      const silentSince = slot.lastAnswerAt ?? slot.since;
      const limit =
        slot.lastAnswerAt === null && !handle.adopted
          ? this.options.startTimeoutMs
          : this.options.hangTimeoutMs;
      if (now - silentSince > limit) void this.reconciler.trigger(slot.id);
    }
    const running = slot.actual === 'running' && live !== null;
    const watched = this.events.hasListeners(slot.id);
    const interval = !running
      ? this.options.a2sStartingIntervalMs
      : watched
        ? this.options.a2sIntervalMs
        : this.options.a2sIdleIntervalMs;
    // A little jitter keeps the polls of many servers spread out.
    this.schedulePoll(slot, interval * (0.9 + Math.random() * 0.2));
  }

  private setLive(slot: Slot, live: LiveStatus | null): void {
    const before = slot.live;
    slot.live = live;
    const same =
      before === live ||
      (before !== null &&
        live !== null &&
        before.map === live.map &&
        before.players === live.players &&
        before.max_players === live.max_players);
    if (!same) this.events.emit(slot.id, { type: 'live', live: slot.actual === 'running' ? live : null });
  }

  private samplePlayers(slot: Slot, now: number, players: number): void {
    const last = slot.players.at(-1);
    if (last && last.players === players && now - last.at < this.options.playerHistoryStepMs) return;
    slot.players.push({ at: now, players });
    const cutoff = now - this.options.playerHistoryMs;
    while ((slot.players[0]?.at ?? now) < cutoff) slot.players.shift();
  }

  // ---------- periodic resync ----------

  /** One pass over every server: a cheap in-memory decision each, a reconcile only where there is work. */
  private async resync(): Promise<void> {
    if (this.resyncing || this.closed) return;
    this.resyncing = true;
    try {
      const rows = await this.database.db
        .selectFrom('servers')
        .select(['id', 'port', 'desired_state', 'actual_state', 'last_error'])
        .execute();
      const now = Date.now();
      const present = new Set<number>();
      for (const row of rows) {
        present.add(row.id);
        if (this.removed.has(row.id)) continue;
        const slot = this.slot(row.id);
        if (this.reconciler.isBusy(row.id)) continue;
        slot.desired = row.desired_state;
        slot.actual = row.actual_state;
        slot.lastError = row.last_error;
        slot.port = row.port;
        if (this.decision(slot, now).kind !== 'none') void this.reconciler.trigger(row.id);
        if (slot.handle) {
          await boundConsoleLog(
            consoleLogPath(this.config.dataDir, row.id),
            this.options.consoleLogMaxBytes,
          ).catch(() => false);
        }
      }
      for (const [id, at] of this.removed) if (!present.has(id) || now - at > 60_000) this.removed.delete(id);
      for (const id of this.slots.keys()) if (!present.has(id)) void this.reconciler.trigger(id);
    } catch (error) {
      if (!this.closed) console.error('supervisor: resync failed:', error);
    } finally {
      this.resyncing = false;
    }
  }

  // ---------- console ----------

  private follow(id: number): void {
    const slot = this.slot(id);
    // Someone looks: fresh live facts soon, then at the watched pace.
    if (slot.handle) this.schedulePoll(slot, Math.random() * 300);
    slot.follower?.close();
    slot.follower = new ConsoleFollower(consoleLogPath(this.config.dataDir, id), (line) =>
      this.events.emit(id, { type: 'console', line }),
    );
  }

  private unfollow(id: number): void {
    const slot = this.slots.get(id);
    slot?.follower?.close();
    if (slot) slot.follower = undefined;
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    const handle = await open(file, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

/** The console output from offset on (at most 64 KiB), where a failed start explains itself. */
function readFrom(file: string, offset: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const { size } = fstatSync(fd);
      const start = offset <= size ? offset : 0;
      const length = Math.min(size - start, 64 * 1024);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, start);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}
