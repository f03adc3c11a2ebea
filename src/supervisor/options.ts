import type { Clock } from './clock.js';
import type { DecideOptions } from './decide.js';
import type { ServerLink } from './link.js';
import type { Runtime } from './runtime.js';

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
  /** Before a server stops for a game update: this long between the RCON `say` warning and `quit`. */
  updateWarningMs: number;
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
  /** How A2S and RCON reach the servers; the Source protocols on the loopback interface by default. */
  link?: ServerLink;
  /** The system's time by default; tests pass a fake one. */
  clock?: Clock;
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
  updateWarningMs: 5_000,
  rconConnectTimeoutMs: 3_000,
  rconCommandTimeoutMs: 5_000,
  adoptedPollMs: 1_000,
  consoleLogMaxBytes: 5 * 1024 * 1024,
  playerHistoryMs: 3_600_000,
  playerHistoryStepMs: 30_000,
};
