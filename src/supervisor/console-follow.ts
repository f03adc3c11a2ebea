import { ConsoleFollower } from './console-log.js';
import { consoleLogPath } from './paths.js';
import type { Slot, SupervisorContext } from './state.js';

/** Streams a server's new console lines to its listeners (while it has any). */
export function followConsole(ctx: SupervisorContext, slot: Slot): void {
  slot.follower?.close();
  slot.follower = new ConsoleFollower(consoleLogPath(ctx.config.dataDir, slot.id), (line) =>
    ctx.events.emit(slot.id, { type: 'console', line }),
  );
}

export function unfollowConsole(slot: Slot): void {
  slot.follower?.close();
  slot.follower = undefined;
}
