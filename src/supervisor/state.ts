import type { DatabaseHandle } from '../db/connect.js';
import type { ActualState, DesiredState } from '../db/schema.js';
import type { RconTarget } from '../rcon/client.js';
import type { LiveStatus, Player, PlayerSample } from './control.js';
import { type DecideInput, noHold, type ObservedExit, type UpdateHold } from './decide.js';
import { LOOPBACK } from './link.js';
import type { RuntimeHandle } from './runtime.js';

/** The process the supervisor watches for a server; replaced, never changed in place. */
export interface TrackedProcess {
  readonly handle: RuntimeHandle;
  /** Launch or adoption time: where its start and hang timeouts begin. */
  readonly since: number;
  /** Its latest A2S answer, or null before the first. */
  readonly lastAnswerAt: number | null;
  /** Size of the console log at launch: the process's own output starts there. */
  readonly logOffset: number;
}

/**
 * What the supervisor knows of one server. Its reconcile step (reconcile.ts) is the only writer; the
 * rest of the supervisor reads it through `ReadonlyStates`.
 */
export interface ServerState {
  readonly id: number;
  /** False until the step has read the row once. */
  loaded: boolean;
  /** From the row: as last read, or as the step recorded them. */
  port: number;
  rconPassword: string;
  desired: DesiredState;
  actual: ActualState;
  lastError: string;
  process: TrackedProcess | null;
  /** An exit nobody asked for, not yet accounted for. */
  exit: ObservedExit | null;
  /** Times of recent crashes (exits and hangs), for the backoff and the crash loop. */
  crashes: number[];
  /** Start or restart was pressed: a failed or crashed server gets a fresh try at once. */
  retry: boolean;
  restart: boolean;
  removing: boolean;
  /** The latest A2S facts and players, and when they came (live is null when there are none). */
  live: LiveStatus | null;
  players: Player[] | null;
  answeredAt: number;
  /** (time, players) of the last hour. */
  history: PlayerSample[];
}

export function newServerState(id: number): ServerState {
  return {
    id,
    loaded: false,
    port: 0,
    rconPassword: '',
    desired: 'stopped',
    actual: 'unknown',
    lastError: '',
    process: null,
    exit: null,
    crashes: [],
    retry: false,
    restart: false,
    removing: false,
    live: null,
    players: null,
    answeredAt: 0,
    history: [],
  };
}

/** The servers' states as everything but the reconcile step sees them. */
export interface ReadonlyStates {
  get(id: number): Readonly<ServerState> | undefined;
  ids(): IterableIterator<number>;
  /** Being removed, or removed a moment ago: never reconciled again, even if its row lingers. */
  isRemoved(id: number): boolean;
}

export class States implements ReadonlyStates {
  private readonly byId = new Map<number, ServerState>();
  /** Removed servers, and since when. */
  private readonly removed = new Map<number, number>();

  get(id: number): ServerState | undefined {
    return this.byId.get(id);
  }

  /** The server's state, made on first use. */
  of(id: number): ServerState {
    let state = this.byId.get(id);
    if (!state) {
      state = newServerState(id);
      this.byId.set(id, state);
    }
    return state;
  }

  ids(): IterableIterator<number> {
    return this.byId.keys();
  }

  isRemoved(id: number): boolean {
    return this.removed.has(id);
  }

  /** Forgets the server for good. */
  remove(id: number, at: number): void {
    this.byId.delete(id);
    this.removed.set(id, at);
  }

  /** Ends the record of removals whose row is gone, or that are a minute old. */
  pruneRemoved(present: ReadonlySet<number>, now: number): void {
    for (const [id, at] of this.removed) if (!present.has(id) || now - at > 60_000) this.removed.delete(id);
  }
}

/** What decide() is asked about the server (decide.ts). */
export function decideInput(
  state: Readonly<ServerState>,
  now: number,
  hold: UpdateHold = noHold,
): DecideInput {
  const { process } = state;
  return {
    desired: state.desired,
    actual: state.actual,
    lastError: state.lastError,
    process: process
      ? { since: process.since, adopted: process.handle.adopted, lastAnswerAt: process.lastAnswerAt }
      : null,
    exit: state.exit,
    crashes: state.crashes,
    retry: state.retry,
    restart: state.restart,
    removing: state.removing,
    ...hold,
    now,
  };
}

/** What a reconcile reads of the server's row and blueprint. */
export interface ServerFacts {
  id: number;
  port: number;
  desired_state: DesiredState;
  actual_state: ActualState;
  last_error: string;
  rcon_password: string;
  node: string;
  arguments: string;
  config: string;
  cpu_limit: number | null;
  memory_limit_mb: number | null;
  blueprint_id: number;
  /** The blueprint's SourceMod settings (JSON), for the addons a launch links in. */
  sourcemod: string;
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
      'servers.node',
      'blueprints.arguments',
      'blueprints.config',
      'blueprints.cpu_limit',
      'blueprints.memory_limit_mb',
      'servers.blueprint_id',
      'blueprints.sourcemod',
    ])
    .where('servers.id', '=', id)
    .executeTakeFirst();
}

export function rconTarget(state: Readonly<ServerState>): RconTarget {
  const host = state.process?.handle.host ?? LOOPBACK;
  return { host, port: state.port, password: state.rconPassword };
}
