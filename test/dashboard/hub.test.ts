import { describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../src/dashboard/event-types.js';
import { DashboardHub } from '../../src/dashboard/hub.js';
import { EventBus } from '../../src/supervisor/events.js';

const state = { type: 'state', actual_state: 'running', desired_state: 'running', last_error: '' } as const;

/** A hub on a real EventBus (the supervisor's), counting the listeners it holds per server. */
function hubOnBus() {
  const bus = new EventBus();
  const hub = new DashboardHub({ subscribe: (id, listener) => bus.subscribe(id, listener) });
  return { bus, hub };
}

describe('the dashboard hub (one listener per server for every GET /events stream)', () => {
  it('holds one supervisor listener per server however many streams show it, and none once they leave', () => {
    const { bus, hub } = hubOnBus();
    const viewers = Array.from({ length: 50 }, () => (_: DashboardEvent) => {});
    for (const viewer of viewers) for (const id of [1, 2, 3]) hub.join(id, viewer);
    expect(hub.listeners).toBe(3);
    expect([1, 2, 3].map((id) => bus.hasListeners(id))).toEqual([true, true, true]);
    for (const viewer of viewers.slice(1)) for (const id of [1, 2, 3]) hub.leave(id, viewer);
    expect(hub.listeners).toBe(3);
    for (const id of [1, 2, 3]) hub.leave(id, viewers[0] as (event: DashboardEvent) => void);
    expect(hub.listeners).toBe(0);
    expect([1, 2, 3].map((id) => bus.hasListeners(id))).toEqual([false, false, false]);
  });

  it('gives every viewer the same event object (serialized once), with its server id, and no console lines', () => {
    const { bus, hub } = hubOnBus();
    const seen: DashboardEvent[][] = [[], [], []];
    for (const list of seen) hub.join(7, (event) => list.push(event));
    bus.emit(7, { type: 'console', line: 'rcon_password hunter2' });
    bus.emit(7, state);
    expect(seen.map((list) => list.length)).toEqual([1, 1, 1]);
    expect(seen[0]?.[0]).toEqual({ server_id: 7, ...state });
    expect(seen[1]?.[0]).toBe(seen[0]?.[0]);
    expect(seen[2]?.[0]).toBe(seen[0]?.[0]);
  });

  it('sends only the servers a viewer joined, and nothing after it left one', () => {
    const { bus, hub } = hubOnBus();
    const seen: number[] = [];
    const viewer = (event: DashboardEvent) => seen.push(event.server_id);
    hub.join(1, viewer);
    hub.join(2, viewer);
    bus.emit(3, state);
    hub.leave(2, viewer);
    bus.emit(2, state);
    bus.emit(1, state);
    expect(seen).toEqual([1]);
  });

  it('a viewer that throws does not keep the event from the others', () => {
    const { bus, hub } = hubOnBus();
    const seen: number[] = [];
    hub.join(1, () => {
      throw new Error('socket gone');
    });
    hub.join(1, (event) => seen.push(event.server_id));
    bus.emit(1, state);
    expect(seen).toEqual([1]);
  });
});
