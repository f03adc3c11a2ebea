/** One watcher: a stream of a user that shows a server, or (serverId null) every server it shows. */
interface Watcher {
  userId: number;
  serverId: number | null;
  onChange: (serverId: number, removed: boolean) => void;
}

/**
 * Tells open event streams at once when a user's access to a server changes on this panel: a member
 * removed (or the server deleted) stops seeing it, a member whose permissions changed has the
 * server's own stream ended (the browser reconnects with the new permissions). A change of role
 * ends all of a user's streams instead (SessionStreams.endStreams).
 */
export class AccessWatch {
  private readonly watchers = new Set<Watcher>();

  /** Calls onChange(removed) when the user's access to the server changes; returns the release. */
  watch(userId: number, serverId: number, onChange: (removed: boolean) => void): () => void {
    return this.add({ userId, serverId, onChange: (_, removed) => onChange(removed) });
  }

  /** Calls onChange(serverId, removed) when the user's access to any server changes; returns the release. */
  watchAll(userId: number, onChange: (serverId: number, removed: boolean) => void): () => void {
    return this.add({ userId, serverId: null, onChange });
  }

  private add(watcher: Watcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** The user's access changed (removed: it ended); a null user: everyone's (the server is gone). */
  changed(serverId: number, userId: number | null, removed: boolean): void {
    for (const watcher of [...this.watchers]) {
      if (watcher.serverId !== null && watcher.serverId !== serverId) continue;
      if (userId !== null && watcher.userId !== userId) continue;
      if (removed && watcher.serverId !== null) this.watchers.delete(watcher);
      watcher.onChange(serverId, removed);
    }
  }
}
