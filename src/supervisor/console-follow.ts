import { consoleLogPath } from '../config/paths.js';
import { ConsoleFollower } from './console-log.js';
import type { EventBus } from './events.js';

/** Streams each watched server's new console lines to its listeners (only while it has any). */
export class ConsoleFollowers {
  private readonly followers = new Map<number, ConsoleFollower>();

  constructor(
    private readonly dataDir: string,
    private readonly events: EventBus,
  ) {}

  follow(serverId: number): void {
    this.unfollow(serverId);
    const follower = new ConsoleFollower(consoleLogPath(this.dataDir, serverId), (line) =>
      this.events.emit(serverId, { type: 'console', line }),
    );
    this.followers.set(serverId, follower);
  }

  unfollow(serverId: number): void {
    this.followers.get(serverId)?.close();
    this.followers.delete(serverId);
  }

  close(): void {
    for (const id of [...this.followers.keys()]) this.unfollow(id);
  }
}
