import type { AddonRow } from '../db/schema.js';

export type AddonEvent = { type: 'changed'; row: AddonRow } | { type: 'removed'; row: AddonRow };
type Listener = (event: AddonEvent) => void;

/**
 * Changes of addon rows as they happen in this panel (downloads progressing, uploads, deletions), for
 * `GET /addons/events`; each stream shows only what its user may see.
 */
export class AddonEvents {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  changed(row: AddonRow): void {
    this.emit({ type: 'changed', row });
  }

  removed(row: AddonRow): void {
    this.emit({ type: 'removed', row });
  }

  private emit(event: AddonEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken stream must not stop a download or the other streams.
      }
    }
  }
}
