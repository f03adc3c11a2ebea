import { rm } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import type { DatabaseHandle } from '../db/connect.js';
import { AppError } from '../http/errors.js';
import { Instances } from '../instances/instances.js';
import { removeSharedCfgs } from '../instances/migrate.js';
import { followConsole, unfollowConsole } from './console-follow.js';
import { lastConsoleLines } from './console-log.js';
import type {
  DesiredStateReason,
  LiveStatus,
  PlayerSample,
  ServerEvent,
  SupervisorControl,
} from './control.js';
import { EventBus } from './events.js';
import { defaultSupervisorOptions, type SupervisorOptions } from './options.js';
import { consoleLogPath, serverDataDir } from './paths.js';
import { ProcessControl } from './process-control.js';
import { ProcessRuntime } from './process-runtime.js';
import { RconClient } from './rcon.js';
import { KeyedReconciler } from './reconciler.js';
import { PeriodicResync } from './resync.js';
import {
  decisionFor,
  loadFacts,
  quietSlot,
  rconTarget,
  type Slot,
  Slots,
  type SupervisorContext,
} from './state.js';
import { ServerStatus } from './status.js';

export { defaultSupervisorOptions, type SupervisorOptions } from './options.js';

/**
 * Drives each server's actual state toward its desired state (DESIGN.md, Supervisor). One reconcile
 * per server at a time (KeyedReconciler); each observes, asks decide() for the next step, does it and
 * records the result. Game servers outlive the panel: stop() never touches them, start() adopts them.
 */
export class Supervisor implements SupervisorControl {
  readonly options: SupervisorOptions;
  /** The servers' instance directories: `build(id)`, `rebuildAll()` (src/instances/instances.ts). */
  readonly instances: Instances;
  private readonly ctx: SupervisorContext;
  private readonly status: ServerStatus;
  private readonly processes: ProcessControl;
  private readonly resync: PeriodicResync;
  private readonly slots = new Slots();
  private closed = false;

  constructor(
    readonly config: Config,
    readonly database: DatabaseHandle,
    options: Partial<SupervisorOptions> = {},
  ) {
    this.options = { ...defaultSupervisorOptions, ...options };
    this.instances = new Instances({ dataDir: config.dataDir, srcdsDir: config.srcdsDir });
    this.ctx = {
      config,
      database,
      options: this.options,
      runtime:
        this.options.runtime ??
        new ProcessRuntime({ dataDir: config.dataDir, adoptedPollMs: this.options.adoptedPollMs }),
      instances: this.instances,
      events: new EventBus({ first: (id) => this.watched(id), last: (id) => this.unwatched(id) }),
      reconciler: new KeyedReconciler(
        (id) => this.reconcileOnce(id),
        (id, error) => {
          if (!this.closed) console.error(`supervisor: reconcile of server ${id} failed:`, error);
        },
      ),
      rconClient: new RconClient({
        connectTimeoutMs: this.options.rconConnectTimeoutMs,
        commandTimeoutMs: this.options.rconCommandTimeoutMs,
      }),
      isClosed: () => this.closed,
    };
    this.status = new ServerStatus(this.ctx);
    this.processes = new ProcessControl(this.ctx, this.status);
    this.resync = new PeriodicResync(this.ctx, this.slots);
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
      const handle = await this.ctx.runtime.adopt(id);
      if (handle) this.processes.attach(this.slots.of(id), handle);
    }
    for (const { id } of rows) void this.ctx.reconciler.trigger(id);
    this.resync.start();
  }

  /** Stops watching; game servers keep running and the next panel adopts them. */
  async stop(): Promise<void> {
    this.closed = true;
    this.resync.stop();
    for (const slot of this.slots.all()) quietSlot(slot);
    this.ctx.runtime.close();
    await this.ctx.reconciler.close(2_000);
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

  // ---------- SupervisorControl ----------

  desiredStateChanged(serverId: number, reason?: DesiredStateReason): void {
    const slot = this.slots.of(serverId);
    if (reason === 'start') askAgain(slot);
    void this.ctx.reconciler.trigger(serverId);
  }

  async restart(serverId: number): Promise<void> {
    const slot = this.slots.of(serverId);
    askAgain(slot);
    slot.restart = true;
    await this.ctx.reconciler.trigger(serverId);
  }

  async removeServer(serverId: number): Promise<void> {
    const slot = this.slots.of(serverId);
    slot.removing = true;
    await this.ctx.reconciler.trigger(serverId);
    this.slots.removed.set(serverId, Date.now());
    quietSlot(slot);
    this.slots.delete(serverId);
    await this.ctx.runtime.forget(serverId);
    // Its console log, pid file and instance (links are removed, never followed).
    await rm(serverDataDir(this.config.dataDir, serverId), { recursive: true, force: true });
  }

  liveStatus(serverId: number): LiveStatus | null {
    const slot = this.slots.get(serverId);
    return slot?.handle && slot.actual === 'running' ? slot.live : null;
  }

  async rcon(serverId: number, command: string): Promise<string> {
    const slot = this.slots.get(serverId);
    if (!slot?.handle || slot.actual !== 'running') throw new AppError(409, 'server is not running');
    try {
      return await this.ctx.rconClient.command(serverId, rconTarget(slot), command);
    } catch (error) {
      throw new AppError(502, `rcon: ${(error as Error).message}`);
    }
  }

  subscribe(serverId: number, listener: (event: ServerEvent) => void): () => void {
    return this.ctx.events.subscribe(serverId, listener);
  }

  async recentConsole(serverId: number, lines: number): Promise<string[]> {
    return lastConsoleLines(consoleLogPath(this.config.dataDir, serverId), lines);
  }

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
    return this.ctx.reconciler.trigger(serverId);
  }

  // ---------- reconcile ----------

  /** One step: observe, decide, act, record. True when it did something (look again). */
  private async reconcileOnce(id: number): Promise<boolean> {
    if (this.closed || (this.slots.removed.has(id) && !this.slots.get(id)?.removing)) return false;
    const facts = await loadFacts(this.database, id);
    const slot = this.slots.of(id);
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
    const action = decisionFor(slot, this.options);
    switch (action.kind) {
      case 'none':
        this.wakeAt(slot, action.wakeAt);
        return false;
      case 'record':
        if (action.countsAsCrash) slot.crashes.push(Date.now());
        slot.exit = null;
        await this.status.record(slot, action.outcome.actual, action.outcome.lastError);
        return true;
      case 'launch':
        if (!facts) return false;
        await this.processes.launch(slot, facts, action.clearError);
        return true;
      case 'stop':
        await this.status.record(slot, 'stopping', slot.lastError);
        await this.processes.stop(slot, action.gentle, action.outcome.lastError);
        if (action.countsAsCrash) slot.crashes.push(Date.now());
        slot.exit = null;
        if (slot.handle) {
          const message = `could not stop the server process (pid ${slot.handle.pid})`;
          await this.status.record(slot, 'failed', message);
          return false;
        }
        if (facts) await this.status.record(slot, action.outcome.actual, action.outcome.lastError);
        return true;
    }
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
        void this.ctx.reconciler.trigger(slot.id);
      },
      Math.max(0, at - Date.now()),
    );
    slot.wakeTimer.unref();
  }

  // ---------- watchers ----------

  /** Someone looks: fresh live facts soon (then at the watched pace), and the console as it grows. */
  private watched(id: number): void {
    const slot = this.slots.of(id);
    if (slot.handle) this.status.schedulePoll(slot, Math.random() * 300);
    followConsole(this.ctx, slot);
  }

  private unwatched(id: number): void {
    const slot = this.slots.get(id);
    if (slot) unfollowConsole(slot);
  }
}

/** Start or restart pressed: a failed or crash-looping server gets a fresh chance. */
function askAgain(slot: Slot): void {
  slot.retry = true;
  slot.crashes = [];
}
