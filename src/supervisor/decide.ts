import type { ActualState, DesiredState } from '../db/schema.js';
import type { IncidentKind } from './control.js';
import type { ExitInfo } from './runtime.js';

/** The timing rules of the reconcile decision. */
export interface DecideOptions {
  /** starting -> failed when the server does not answer A2S within this long of its launch. */
  startTimeoutMs: number;
  /** A running server that has not answered A2S for this long is hung: killed and restarted. */
  hangTimeoutMs: number;
  /** This many crashes (hangs included) within crashWindowMs -> failed, "crash loop". */
  crashLoopCount: number;
  crashWindowMs: number;
  /** Restart delay after the n-th crash in the window: initial * 2^(n-1), at most max. */
  backoffInitialMs: number;
  backoffMaxMs: number;
}

/** The game server process as observed. */
export interface ObservedProcess {
  /** When it was launched, or adopted by this panel: the start of its start/hang timeouts. */
  since: number;
  adopted: boolean;
  /** Its latest A2S answer, or null when it has not answered yet. */
  lastAnswerAt: number | null;
}

/** An exit nobody asked for, not yet accounted for. */
export interface ObservedExit {
  at: number;
  /** "exited with code 139", "killed by signal SIGKILL"... */
  description: string;
  /** "27015/udp" when the server said it could not bind that port. */
  busyPort: string | null;
}

export interface DecideInput {
  desired: DesiredState;
  /** actual_state and last_error as recorded. */
  actual: ActualState;
  lastError: string;
  /** null: no process. */
  process: ObservedProcess | null;
  exit: ObservedExit | null;
  /** Times of the crashes (unexpected exits and hangs) still within the window. */
  crashes: readonly number[];
  /** The owner pressed start or restart since the server failed or crashed: try again at once. */
  retry: boolean;
  /** The owner asked for the running process to be stopped and started again. */
  restart: boolean;
  /** The server is being deleted. */
  removing: boolean;
  /** A game install or update job runs: nothing starts, running servers are stopped (design/install.md). */
  updating: boolean;
  /**
   * Why the last job left the install unusable, or null: servers that waited for it (`updating`)
   * fail naming it instead of starting.
   */
  updateFailure: string | null;
  now: number;
}

/** What a game install or update job asks of every server (DecideInput's part of it). */
export type UpdateHold = Pick<DecideInput, 'updating' | 'updateFailure'>;
export const noHold: UpdateHold = { updating: false, updateFailure: null };

export interface Outcome {
  actual: ActualState;
  lastError: string;
  /** What to alert about, when this outcome is a crash, a hang or a failure (not a stop or a start). */
  incident?: IncidentKind;
}

export type Action =
  /** Nothing to do; look again at wakeAt (a backoff or a timeout ends) if given. */
  | { kind: 'none'; wakeAt?: number }
  /** Write actual_state and last_error; consumes the observed exit; countsAsCrash adds one to the crash history. */
  | { kind: 'record'; outcome: Outcome; countsAsCrash: boolean }
  /** Launch the server; a launch the owner asked for (clearError) starts with an empty last_error and crash history. */
  | { kind: 'launch'; clearError: boolean }
  /** Stop the process (gently: RCON quit first, after a `say` to the players when `warn`), then record the outcome. */
  | { kind: 'stop'; gentle: boolean; outcome: Outcome; countsAsCrash: boolean; warn?: boolean };

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export function describeExit(exit: ExitInfo): string {
  if (exit.reason) return exit.reason;
  if (!exit.known) return 'exited (exit status unknown: the process was adopted after a panel restart)';
  if (exit.signal) return `killed by signal ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

export function recentCrashes(crashes: readonly number[], now: number, options: DecideOptions): number[] {
  return crashes.filter((at) => now - at < options.crashWindowMs);
}

export function backoffMs(crashCount: number, options: DecideOptions): number {
  const doubled = options.backoffInitialMs * 2 ** Math.max(0, crashCount - 1);
  return Math.min(doubled, options.backoffMaxMs);
}

/**
 * The state after one more crash (or hang): crashed (restart after a backoff), or failed once the
 * loop is too long.
 */
function afterCrash(
  input: DecideInput,
  what: string,
  options: DecideOptions,
  cause: 'crashed' | 'hang' = 'crashed',
): Outcome {
  const count = recentCrashes(input.crashes, input.now, options).length + 1;
  if (count >= options.crashLoopCount) {
    return {
      actual: 'failed',
      lastError: `crash loop: ${count} crashes in ${seconds(options.crashWindowMs)}, last ${what}`,
      incident: 'crash_loop',
    };
  }
  return { actual: 'crashed', lastError: `crashed: ${what}`, incident: cause };
}

/**
 * The whole supervisor policy, as a pure function: given what is desired, what was recorded and what
 * is observed, the one next step. Level-based: the same input gives the same step, so it can be asked
 * again at any time (after an exit, a desired-state change, an A2S answer, a periodic resync).
 */
export function decide(input: DecideInput, options: DecideOptions): Action {
  const { process, actual, lastError, now } = input;
  const wantRunning = input.desired === 'running' && !input.removing;

  if (process) {
    if (!wantRunning)
      return { kind: 'stop', gentle: true, outcome: { actual: 'stopped', lastError }, countsAsCrash: false };
    if (input.restart)
      return { kind: 'stop', gentle: true, outcome: { actual: 'stopped', lastError }, countsAsCrash: false };
    if (input.updating) {
      const outcome = { actual: 'updating' as const, lastError };
      return { kind: 'stop', gentle: true, outcome, countsAsCrash: false, warn: true };
    }
    if (process.lastAnswerAt !== null) {
      if (actual !== 'running')
        return { kind: 'record', outcome: { actual: 'running', lastError }, countsAsCrash: false };
      const silentFor = now - process.lastAnswerAt;
      if (silentFor > options.hangTimeoutMs) {
        const what = `hung: no A2S answer for ${seconds(silentFor)}, killed it`;
        return {
          kind: 'stop',
          gentle: false,
          outcome: afterCrash(input, what, options, 'hang'),
          countsAsCrash: true,
        };
      }
      return { kind: 'none', wakeAt: process.lastAnswerAt + options.hangTimeoutMs + 1 };
    }
    // Not answered yet. A server adopted as running has had its start: silence is a hang.
    const runningBefore = process.adopted && actual === 'running';
    const limit = runningBefore ? options.hangTimeoutMs : options.startTimeoutMs;
    if (now - process.since > limit) {
      if (runningBefore) {
        const what = `hung: no A2S answer for ${seconds(now - process.since)}, killed it`;
        return {
          kind: 'stop',
          gentle: false,
          outcome: afterCrash(input, what, options, 'hang'),
          countsAsCrash: true,
        };
      }
      return {
        kind: 'stop',
        gentle: false,
        outcome: {
          actual: 'failed',
          lastError: `did not answer A2S within ${seconds(limit)} of its start; stopped it`,
          incident: 'failed',
        },
        countsAsCrash: false,
      };
    }
    if (actual !== 'starting' && !runningBefore) {
      return { kind: 'record', outcome: { actual: 'starting', lastError }, countsAsCrash: false };
    }
    return { kind: 'none', wakeAt: process.since + limit + 1 };
  }

  // No process.
  if (!wantRunning) {
    if (actual !== 'stopped' || input.exit) {
      return { kind: 'record', outcome: { actual: 'stopped', lastError }, countsAsCrash: false };
    }
    return { kind: 'none' };
  }
  if (input.updating) {
    // It waits for the job; an exit meanwhile is no crash to count.
    if (actual !== 'updating' || input.exit)
      return { kind: 'record', outcome: { actual: 'updating', lastError }, countsAsCrash: false };
    return { kind: 'none' };
  }
  if (actual === 'updating') {
    if (input.updateFailure !== null) {
      const failed = { actual: 'failed' as const, lastError: `game update failed: ${input.updateFailure}` };
      return { kind: 'record', outcome: failed, countsAsCrash: false };
    }
    return { kind: 'launch', clearError: true };
  }
  if (input.exit) {
    if (input.exit.busyPort) {
      return {
        kind: 'record',
        outcome: {
          actual: 'failed',
          lastError: `port ${input.exit.busyPort} is in use by another program`,
          incident: 'failed',
        },
        countsAsCrash: false,
      };
    }
    return {
      kind: 'record',
      outcome: afterCrash(input, input.exit.description, options),
      countsAsCrash: true,
    };
  }
  switch (actual) {
    case 'failed':
      return input.retry ? { kind: 'launch', clearError: true } : { kind: 'none' };
    case 'crashed': {
      if (input.retry) return { kind: 'launch', clearError: true };
      const crashes = recentCrashes(input.crashes, now, options);
      const last = Math.max(...crashes);
      // After a panel restart the history is gone: restart at once.
      if (crashes.length === 0) return { kind: 'launch', clearError: false };
      const wakeAt = last + backoffMs(crashes.length, options);
      return now >= wakeAt ? { kind: 'launch', clearError: false } : { kind: 'none', wakeAt };
    }
    case 'starting':
    case 'running':
      // Recorded as up, yet no process and no exit seen: it ended while no panel watched it.
      return {
        kind: 'record',
        outcome: afterCrash(input, 'exited while the panel was not running (exit status unknown)', options),
        countsAsCrash: true,
      };
    case 'stopping':
      return { kind: 'record', outcome: { actual: 'stopped', lastError }, countsAsCrash: false };
    default:
      // unknown or stopped: the owner wants it running.
      return { kind: 'launch', clearError: true };
  }
}
