/** What the rest of the panel asks of the supervisor; the supervisor implements it. */

/** Live facts from an A2S query of a running server. */
export interface LiveStatus {
  map: string;
  players: number;
  max_players: number;
}

/** A player on a running server, as A2S_PLAYER lists them. */
export interface Player {
  /** Empty while the player is still connecting. */
  name: string;
  score: number;
  /** Seconds connected. */
  seconds: number;
}

/** One observation of a server's player count. */
export interface PlayerSample {
  /** When it was observed, in ms since the epoch. */
  at: number;
  players: number;
}

/** CPU and memory of a server's container, from the engine (the docker and swarm runtimes). */
export interface ResourceUsage {
  /** Cores in use since the sample before (1.0 = one core busy); null for the first sample. */
  cpu_cores: number | null;
  /** The container's CPU limit in cores, or null when it has none. */
  cpu_limit: number | null;
  memory_mb: number;
  /** The container's memory limit, or null when it has none. */
  memory_limit_mb: number | null;
}

/** What GET /servers/:id/events streams. */
export type ServerEvent =
  | { type: 'state'; actual_state: string; desired_state: string; last_error: string }
  | { type: 'live'; live: LiveStatus | null }
  | { type: 'console'; line: string }
  /** cpu and memory: the page's text for them ("0.25 of 1.5 cores", "180 of 512 MB", "-"). */
  | { type: 'usage'; usage: ResourceUsage | null; cpu: string; memory: string };

/** What an operator is alerted to (design/operations.md): the supervisor says which it was. */
export const incidentKinds = ['crashed', 'crash_loop', 'hang', 'failed'] as const;
export type IncidentKind = (typeof incidentKinds)[number];

/** A server crashed, hung or failed: emitted once per change of state, for alerts. */
export interface Incident {
  serverId: number;
  kind: IncidentKind;
  /** The server's last_error, which says why. */
  lastError: string;
  /** When, in ms since the epoch. */
  at: number;
}

/**
 * How many players are on a server, as a fresh A2S_INFO answer tells. A server with a process that
 * did not answer (starting, hung, the query timed out) is not known to be empty: `known: false`.
 */
export type PlayerCount = { known: true; players: number; running: boolean } | { known: false; why: string };

/** Why desired_state was written: `start` also gives a failed or crash-looping server a fresh try. */
export type DesiredStateReason = 'start' | 'stop' | 'update';

export interface SupervisorControl {
  /** The server's desired_state (or its row) changed: reconcile it soon. */
  desiredStateChanged(serverId: number, reason?: DesiredStateReason): void;
  /** Stop and start again (desired_state is already `running`). */
  restart(serverId: number): Promise<void>;
  /** Stop the server's process and wait until it is gone, before its row is deleted. */
  removeServer(serverId: number): Promise<void>;
  /** The latest A2S facts, or null when not running or not yet answered. */
  liveStatus(serverId: number): LiveStatus | null;
  /**
   * Who is on the server, from the supervisor's own A2S polling (never a query of its own), or null
   * when it is not running or has not said (optional: a supervisor may not know).
   */
  livePlayers?(serverId: number): Promise<Player[] | null>;
  /** (time, players) of the last hour, oldest first, for a sparkline (a copy). */
  playerHistory(serverId: number): PlayerSample[];
  /** Runs a console command through RCON; throws ServerNotRunning or RconFailed (./errors.ts). */
  rcon(serverId: number, command: string): Promise<string>;
  /** Listens to one server's events; returns the unsubscribe function. */
  subscribe(serverId: number, listener: (event: ServerEvent) => void): () => void;
  /** The last lines of the server's console log, oldest first (optional: a supervisor may keep none). */
  recentConsole?(serverId: number, lines: number): Promise<string[]>;
  /**
   * The players on the server now: polls A2S at once and counts only an answer that came after the
   * call (optional: a supervisor that cannot tell leaves every count unknown).
   */
  countPlayers?(serverId: number): Promise<PlayerCount>;
  /** CPU and memory of the running server, or null (optional: only containers report them). */
  resourceUsage?(serverId: number): Promise<ResourceUsage | null>;
}
