import type { Incident, ServerEvent } from './control.js';

type Listener = (event: ServerEvent) => void;
type IncidentListener = (incident: Incident) => void;

/** Per-server listeners of state, live and console events; tells its owner when a server gains or loses its last listener. */
export class EventBus {
  private readonly listeners = new Map<number, Set<Listener>>();
  private readonly incidentListeners = new Set<IncidentListener>();

  constructor(
    private readonly hooks: { first?(serverId: number): void; last?(serverId: number): void } = {},
  ) {}

  subscribe(serverId: number, listener: Listener): () => void {
    let set = this.listeners.get(serverId);
    if (!set) {
      set = new Set();
      this.listeners.set(serverId, set);
    }
    set.add(listener);
    if (set.size === 1) this.hooks.first?.(serverId);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const current = this.listeners.get(serverId);
      if (!current?.delete(listener)) return;
      if (current.size === 0) {
        this.listeners.delete(serverId);
        this.hooks.last?.(serverId);
      }
    };
  }

  emit(serverId: number, event: ServerEvent): void {
    const set = this.listeners.get(serverId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch {
        // A broken listener must not stop the others or the supervisor.
      }
    }
  }

  /**
   * Listens to every server's incidents (crashes, hangs, failures), for alerts. A listener is called
   * synchronously inside the reconcile step: it must only hand the incident on (a queue), never wait.
   */
  onIncident(listener: IncidentListener): () => void {
    this.incidentListeners.add(listener);
    return () => void this.incidentListeners.delete(listener);
  }

  incident(incident: Incident): void {
    for (const listener of [...this.incidentListeners]) {
      try {
        listener(incident);
      } catch {
        // Alerts must never stop the supervisor.
      }
    }
  }

  hasListeners(serverId: number): boolean {
    return (this.listeners.get(serverId)?.size ?? 0) > 0;
  }
}
