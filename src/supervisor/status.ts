import type { ActualState } from '../db/schema.js';
import { queryLiveStatus } from './a2s.js';
import type { LiveStatus } from './control.js';
import type { SupervisorOptions } from './options.js';
import { LOOPBACK, type Slot, type SupervisorContext } from './state.js';

/**
 * What each server is doing, as the panel tells it: actual_state and last_error recorded in its row,
 * and its live A2S facts (polled) and player history; every change is told to the listeners.
 */
export class ServerStatus {
  constructor(private readonly ctx: SupervisorContext) {}

  /** Writes actual_state and last_error (only the supervisor does) and tells the listeners. */
  async record(slot: Slot, actual: ActualState, lastError: string): Promise<void> {
    if (slot.actual === actual && slot.lastError === lastError) return;
    await this.ctx.database.db
      .updateTable('servers')
      .set({ actual_state: actual, last_error: lastError })
      .where('id', '=', slot.id)
      .execute();
    slot.actual = actual;
    slot.lastError = lastError;
    this.ctx.events.emit(slot.id, {
      type: 'state',
      actual_state: actual,
      desired_state: slot.desired,
      last_error: lastError,
    });
    if (actual !== 'running') this.setLive(slot, null);
    else if (slot.live) this.ctx.events.emit(slot.id, { type: 'live', live: slot.live });
  }

  setLive(slot: Slot, live: LiveStatus | null): void {
    const before = slot.live;
    slot.live = live;
    const same =
      before === live ||
      (before !== null &&
        live !== null &&
        before.map === live.map &&
        before.players === live.players &&
        before.max_players === live.max_players);
    if (!same) this.ctx.events.emit(slot.id, { type: 'live', live: slot.actual === 'running' ? live : null });
  }

  /** The next A2S query of the server's process, delayMs from now. */
  schedulePoll(slot: Slot, delayMs: number): void {
    clearTimeout(slot.pollTimer);
    if (this.ctx.isClosed()) return;
    slot.pollTimer = setTimeout(() => void this.poll(slot), delayMs);
    slot.pollTimer.unref();
  }

  private async poll(slot: Slot): Promise<void> {
    const { options, reconciler } = this.ctx;
    const handle = slot.handle;
    if (!handle || this.ctx.isClosed()) return;
    const starting = slot.lastAnswerAt === null && !handle.adopted;
    const timing = starting ? startingPollTiming(Date.now() - slot.since, options) : null;
    let live: LiveStatus | null = null;
    try {
      live = await queryLiveStatus(LOOPBACK, slot.port, timing?.timeoutMs ?? options.a2sTimeoutMs);
    } catch {
      // No answer: starting, hung or gone; decide() weighs the silence.
    }
    if (slot.handle !== handle || this.ctx.isClosed()) return;
    const now = Date.now();
    if (live) {
      slot.lastAnswerAt = now;
      this.setLive(slot, live);
      this.samplePlayers(slot, now, live.players);
      if (slot.actual !== 'running') void reconciler.trigger(slot.id);
    } else {
      const silentSince = slot.lastAnswerAt ?? slot.since;
      const limit =
        slot.lastAnswerAt === null && !handle.adopted ? options.startTimeoutMs : options.hangTimeoutMs;
      if (now - silentSince > limit) void reconciler.trigger(slot.id);
    }
    const running = slot.actual === 'running' && live !== null;
    const watched = this.ctx.events.hasListeners(slot.id);
    const interval =
      timing && !live
        ? timing.delayMs
        : !running
          ? options.a2sStartingIntervalMs
          : watched
            ? options.a2sIntervalMs
            : options.a2sIdleIntervalMs;
    // A little jitter keeps the polls of many servers spread out.
    this.schedulePoll(slot, interval * (0.9 + Math.random() * 0.2));
  }

  private samplePlayers(slot: Slot, now: number, players: number): void {
    const last = slot.players.at(-1);
    if (last && last.players === players && now - last.at < this.ctx.options.playerHistoryStepMs) return;
    slot.players.push({ at: now, players });
    const cutoff = now - this.ctx.options.playerHistoryMs;
    while ((slot.players[0]?.at ?? now) < cutoff) slot.players.shift();
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
