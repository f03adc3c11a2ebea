import type { Config } from '../config/config.js';
import type { DatabaseHandle } from '../db/connect.js';
import type { ActualState, DesiredState } from '../db/schema.js';
import type { Instances } from '../instances/instances.js';
import { unfollowConsole } from './console-follow.js';
import type { ConsoleFollower } from './console-log.js';
import type { LiveStatus, PlayerSample } from './control.js';
import { type Action, type DecideInput, decide, recentCrashes } from './decide.js';
import type { EventBus } from './events.js';
import type { SupervisorOptions } from './options.js';
import type { RconClient } from './rcon.js';
import type { KeyedReconciler } from './reconciler.js';
import type { Runtime, RuntimeHandle } from './runtime.js';

/** What the parts of the supervisor share. */
export interface SupervisorContext {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly options: SupervisorOptions;
  readonly runtime: Runtime;
  /** Each server's instance directory, built before every launch. */
  readonly instances: Instances;
  readonly events: EventBus;
  readonly rconClient: RconClient;
  readonly reconciler: KeyedReconciler;
  /** True once stop() was called: timers and callbacks then do nothing more. */
  isClosed(): boolean;
}

/** What the supervisor knows of one server beyond its row. */
export interface Slot {
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

function newSlot(id: number): Slot {
  return {
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
}

/** The slots of the servers the supervisor knows, and the servers being removed. */
export class Slots {
  private readonly byId = new Map<number, Slot>();
  /** Servers being deleted, and since when: never reconciled again, even if their row lingers a moment. */
  readonly removed = new Map<number, number>();

  get(id: number): Slot | undefined {
    return this.byId.get(id);
  }

  /** The server's slot, made on first use. */
  of(id: number): Slot {
    let slot = this.byId.get(id);
    if (!slot) {
      slot = newSlot(id);
      this.byId.set(id, slot);
    }
    return slot;
  }

  delete(id: number): void {
    this.byId.delete(id);
  }

  ids(): IterableIterator<number> {
    return this.byId.keys();
  }

  all(): IterableIterator<Slot> {
    return this.byId.values();
  }
}

/** Ends the slot's timers and console following (the supervisor stops or the server is removed). */
export function quietSlot(slot: Slot): void {
  clearTimeout(slot.pollTimer);
  clearTimeout(slot.wakeTimer);
  unfollowConsole(slot);
}

/** The next step for the server, as decide() sees the slot now. */
export function decisionFor(slot: Slot, options: SupervisorOptions, now = Date.now()): Action {
  slot.crashes = recentCrashes(slot.crashes, now, options);
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
    options,
  );
}

/** What a reconcile reads of the server's row and blueprint. */
export interface ServerFacts {
  id: number;
  port: number;
  desired_state: DesiredState;
  actual_state: ActualState;
  last_error: string;
  rcon_password: string;
  arguments: string;
  config: string;
}

export async function loadFacts({ db }: DatabaseHandle, id: number): Promise<ServerFacts | undefined> {
  return db
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

/** Game servers are reached on the loopback interface (A2S and RCON). */
export const LOOPBACK = '127.0.0.1';

export function rconTarget(slot: Slot) {
  return { host: LOOPBACK, port: slot.port, password: slot.rconPassword };
}
