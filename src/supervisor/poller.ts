import type { Clock } from './clock.js';
import type { LiveAnswer, ServerLink } from './link.js';
import type { SupervisorOptions } from './options.js';
import type { RuntimeHandle } from './runtime.js';
import type { ReadonlyStates } from './state.js';

type PollOptions = Pick<
  SupervisorOptions,
  'a2sIntervalMs' | 'a2sIdleIntervalMs' | 'a2sStartingIntervalMs' | 'a2sTimeoutMs'
>;

export interface PollerDeps {
  readonly clock: Clock;
  readonly link: ServerLink;
  readonly options: PollOptions;
  readonly states: ReadonlyStates;
  /** Someone looks at the server (its events have listeners): poll it at the watched pace. */
  isWatched(serverId: number): boolean;
  /** Hands an answer to the server's reconcile; resolves once it was taken in. */
  answered(serverId: number, handle: RuntimeHandle, answer: LiveAnswer, at: number): Promise<void>;
}

interface Poll {
  readonly handle: RuntimeHandle;
  cancel: (() => void) | undefined;
  inFlight: Promise<void> | null;
  /** The poll a console command asked for, until its answer was taken in. */
  refreshed: Promise<void> | null;
}

/**
 * Asks each running process A2S (info and players) at a pace that suits it, and posts the answers to
 * its reconcile. Silence is not posted: the reconcile's own timers (start and hang timeouts) weigh it.
 */
export class A2sPoller {
  private readonly polls = new Map<number, Poll>();
  private closed = false;

  constructor(private readonly deps: PollerDeps) {}

  /** Polls the server's (launched or adopted) process, the first time after firstDelayMs. */
  start(serverId: number, handle: RuntimeHandle, firstDelayMs: number): void {
    this.stop(serverId);
    const poll: Poll = { handle, cancel: undefined, inFlight: null, refreshed: null };
    this.polls.set(serverId, poll);
    this.schedule(serverId, poll, firstDelayMs);
  }

  stop(serverId: number): void {
    this.polls.get(serverId)?.cancel?.();
    this.polls.delete(serverId);
  }

  /** The next poll in delayMs (someone started looking). */
  soon(serverId: number, delayMs: number): void {
    const poll = this.polls.get(serverId);
    if (poll) this.schedule(serverId, poll, delayMs);
  }

  /** Polls at once, after any poll in flight: a console command may have changed the players or the map. */
  refresh(serverId: number): void {
    const poll = this.polls.get(serverId);
    if (!poll) return;
    poll.cancel?.();
    poll.cancel = undefined;
    poll.refreshed = (poll.inFlight ?? Promise.resolve()).then(() => this.run(serverId, poll));
  }

  /** Resolves once the poll refresh() asked for (if any) has been taken in. */
  refreshed(serverId: number): Promise<void> {
    return this.polls.get(serverId)?.refreshed ?? Promise.resolve();
  }

  /** The polls under way (tests wait for them). */
  inFlight(): Promise<void>[] {
    return [...this.polls.values()].flatMap((poll) => (poll.inFlight ? [poll.inFlight] : []));
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.polls.keys()]) this.stop(id);
  }

  private schedule(serverId: number, poll: Poll, delayMs: number): void {
    poll.cancel?.();
    poll.cancel = undefined;
    if (this.closed || this.polls.get(serverId) !== poll) return;
    poll.cancel = this.deps.clock.after(delayMs, () => {
      poll.cancel = undefined;
      void this.run(serverId, poll);
    });
  }

  /** One poll at a time per server. */
  private run(serverId: number, poll: Poll): Promise<void> {
    poll.inFlight ??= this.once(serverId, poll).finally(() => {
      poll.inFlight = null;
    });
    return poll.inFlight;
  }

  private async once(serverId: number, poll: Poll): Promise<void> {
    const { clock, link, options, states } = this.deps;
    const current = () => !this.closed && this.polls.get(serverId) === poll;
    const state = states.get(serverId);
    const process = state?.process;
    if (!current() || !state || process?.handle !== poll.handle) return;
    const starting = process.lastAnswerAt === null && !process.handle.adopted;
    const timing = starting ? startingPollTiming(clock.now() - process.since, options) : null;
    let answer: LiveAnswer | null = null;
    try {
      answer = await link.query(state.port, timing?.timeoutMs ?? options.a2sTimeoutMs, poll.handle.host);
    } catch {
      // No answer: starting, hung or gone; the reconcile weighs the silence.
    }
    if (!current()) return;
    if (answer) await this.deps.answered(serverId, poll.handle, answer, clock.now());
    const running = answer !== null && states.get(serverId)?.actual === 'running';
    const interval =
      timing && !answer
        ? timing.delayMs
        : !running
          ? options.a2sStartingIntervalMs
          : this.deps.isWatched(serverId)
            ? options.a2sIntervalMs
            : options.a2sIdleIntervalMs;
    // A little jitter keeps the polls of many servers spread out.
    this.schedule(serverId, poll, interval * (0.9 + Math.random() * 0.2));
  }
}

/**
 * While a launched server has not answered yet, ask often at first and less as time goes on, so
 * `running` shows within a few tens of milliseconds of the server being up, without polling a slow
 * start hard: the pause and the query timeout grow with the time since launch. (A query sent
 * before the server listens is simply lost, hence the short early timeouts.)
 */
export function startingPollTiming(
  sinceLaunchMs: number,
  options: Pick<SupervisorOptions, 'a2sStartingIntervalMs' | 'a2sTimeoutMs'>,
): { delayMs: number; timeoutMs: number } {
  const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
  return {
    delayMs: clamp(sinceLaunchMs / 4, 10, options.a2sStartingIntervalMs),
    timeoutMs: clamp(sinceLaunchMs / 2, 50, options.a2sTimeoutMs),
  };
}
