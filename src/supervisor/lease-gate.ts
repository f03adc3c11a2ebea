import type {
  DesiredStateReason,
  LiveStatus,
  Player,
  PlayerCount,
  PlayerSample,
  ResourceUsage,
  ServerEvent,
  SupervisorControl,
} from './control.js';
import { ServerNotRunning } from './errors.js';

/**
 * What each SupervisorControl method is: an `action` on game servers (dropped while this panel does
 * not hold the supervision lease) or a `read` (always passed on). A method the interface gains must be
 * named here, or this does not compile.
 */
export const gateKinds = {
  desiredStateChanged: 'action',
  restart: 'action',
  removeServer: 'action',
  rcon: 'action',
  liveStatus: 'read',
  livePlayers: 'read',
  playerHistory: 'read',
  subscribe: 'read',
  recentConsole: 'read',
  countPlayers: 'read',
  resourceUsage: 'read',
} as const satisfies Record<keyof SupervisorControl, 'action' | 'read'>;

interface Subscription {
  serverId: number;
  listener: (event: ServerEvent) => void;
  unsubscribe: () => void;
}

/**
 * The supervisor as the routes see it (src/panel.ts): everything goes to the current supervisor,
 * except that actions are dropped while this panel does not hold the lease (src/db/lock.ts); the
 * holder picks the change up from the database on its next periodic resync.
 */
export class LeaseGate implements SupervisorControl {
  /** Every open listener, so that they move to the next supervisor when this one is replaced. */
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly current: () => SupervisorControl,
    private readonly held: () => boolean,
  ) {}

  // ---------- actions ----------

  desiredStateChanged(serverId: number, reason?: DesiredStateReason): void {
    if (this.held()) this.current().desiredStateChanged(serverId, reason);
  }

  async restart(serverId: number): Promise<void> {
    if (this.held()) await this.current().restart(serverId);
  }

  async removeServer(serverId: number): Promise<void> {
    if (this.held()) await this.current().removeServer(serverId);
  }

  /** A panel that does not supervise runs no game server: "server is not running". */
  async rcon(serverId: number, command: string): Promise<string> {
    if (!this.held()) throw new ServerNotRunning();
    return this.current().rcon(serverId, command);
  }

  // ---------- reads ----------

  liveStatus(serverId: number): LiveStatus | null {
    return this.current().liveStatus(serverId);
  }

  async livePlayers(serverId: number): Promise<Player[] | null> {
    return (await this.current().livePlayers?.(serverId)) ?? null;
  }

  playerHistory(serverId: number): PlayerSample[] {
    return this.current().playerHistory(serverId);
  }

  subscribe(serverId: number, listener: (event: ServerEvent) => void): () => void {
    const subscription = { serverId, listener, unsubscribe: this.current().subscribe(serverId, listener) };
    this.subscriptions.add(subscription);
    return () => {
      if (this.subscriptions.delete(subscription)) subscription.unsubscribe();
    };
  }

  /**
   * The current supervisor was replaced (the lease was lost: src/panel.ts): open event streams now
   * listen to the new one, which is the one that will supervise once the lease is back.
   */
  supervisorReplaced(): void {
    for (const subscription of this.subscriptions) {
      subscription.unsubscribe();
      subscription.unsubscribe = this.current().subscribe(subscription.serverId, subscription.listener);
    }
  }

  async recentConsole(serverId: number, lines: number): Promise<string[]> {
    return (await this.current().recentConsole?.(serverId, lines)) ?? [];
  }

  async countPlayers(serverId: number): Promise<PlayerCount> {
    const count = this.current().countPlayers?.(serverId);
    return count ? await count : { known: false, why: 'this panel cannot query the server' };
  }

  async resourceUsage(serverId: number): Promise<ResourceUsage | null> {
    return (await this.current().resourceUsage?.(serverId)) ?? null;
  }
}
