/** One watcher: a stream of a user that shows a server. */
interface Watcher {
  userId: number;
  serverId: number;
  onChange: (removed: boolean) => void;
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
    const watcher = { userId, serverId, onChange };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** The user's access changed (removed: it ended); a null user: everyone's (the server is gone). */
  changed(serverId: number, userId: number | null, removed: boolean): void {
    for (const watcher of [...this.watchers]) {
      if (watcher.serverId !== serverId || (userId !== null && watcher.userId !== userId)) continue;
      if (removed) this.watchers.delete(watcher);
      watcher.onChange(removed);
    }
  }
}
