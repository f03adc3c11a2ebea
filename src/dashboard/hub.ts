import type { ServerEvent, SupervisorControl } from '../supervisor/control.js';
import type { DashboardEvent } from './event-types.js';

/** One dashboard stream's way of sending an event. */
export type Viewer = (event: DashboardEvent) => void;

interface Watched {
  viewers: Set<Viewer>;
  unsubscribe: () => void;
}

/**
 * Fans each server's state and live events out to every dashboard stream (GET /events) that shows it.
 * One supervisor listener per server however many streams show it, and one DashboardEvent per event
 * for all of them, so its frame is serialized once (src/http/sse.ts). 1,000 viewers of 100 servers
 * hold 100 listeners and 100,000 set entries, not 100,000 listeners with their closures.
 */
export class DashboardHub {
  private readonly watched = new Map<number, Watched>();

  constructor(private readonly supervisor: Pick<SupervisorControl, 'subscribe'>) {}

  /** From now on `viewer` gets the events of `serverId`, until leave(). */
  join(serverId: number, viewer: Viewer): void {
    let entry = this.watched.get(serverId);
    if (!entry) {
      const viewers = new Set<Viewer>();
      const unsubscribe = this.supervisor.subscribe(serverId, (event) => fanOut(serverId, event, viewers));
      entry = { viewers, unsubscribe };
      this.watched.set(serverId, entry);
    }
    entry.viewers.add(viewer);
  }

  leave(serverId: number, viewer: Viewer): void {
    const entry = this.watched.get(serverId);
    if (!entry?.viewers.delete(viewer) || entry.viewers.size > 0) return;
    entry.unsubscribe();
    this.watched.delete(serverId);
  }

  /** How many servers have a listener (for tests: none is left once every stream is gone). */
  get listeners(): number {
    return this.watched.size;
  }
}

function fanOut(serverId: number, event: ServerEvent, viewers: Set<Viewer>): void {
  if (event.type === 'console') return;
  const tagged: DashboardEvent = { server_id: serverId, ...event };
  for (const viewer of viewers) {
    try {
      viewer(tagged);
    } catch {
      // One broken stream must not keep the event from the others.
    }
  }
}
