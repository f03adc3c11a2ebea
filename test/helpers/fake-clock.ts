import type { Clock } from '../../src/supervisor/clock.js';

interface Timer {
  at: number;
  order: number;
  run: () => void;
}

/**
 * A clock that moves only when the test says so: timers fire in time order inside advance(), so
 * backoffs, timeouts and grace periods take no real time.
 */
export class FakeClock implements Clock {
  private time: number;
  private order = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, run: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), order: this.order++, run };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time on by ms, firing each timer that falls due, in order; returns how many fired. */
  advance(ms: number): number {
    const end = this.time + ms;
    let fired = 0;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.run();
      fired++;
    }
    this.time = end;
    return fired;
  }

  /** True when a timer is set for exactly ms from now (e.g. a grace period under way). */
  hasTimerIn(ms: number): boolean {
    return this.timers.some((t) => t.at === this.time + ms);
  }

  /** When the next timer falls due, in ms from now; undefined when none is set. */
  nextIn(): number | undefined {
    const at = Math.min(...this.timers.map((t) => t.at));
    return Number.isFinite(at) ? at - this.time : undefined;
  }
}
