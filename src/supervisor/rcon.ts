import { type RconTarget, type RconTimeouts, rconCommand } from '../rcon/client.js';

/**
 * RCON for the supervisor: at most one command at a time per server, each on its own connection
 * (`src/rcon/client.ts`), so commands reach a server's console in the order they were asked.
 */
export class RconClient {
  private readonly queues = new Map<number, Promise<unknown>>();

  constructor(private readonly timeouts: RconTimeouts) {}

  command(serverId: number, target: RconTarget, command: string, timeouts = this.timeouts): Promise<string> {
    const previous = this.queues.get(serverId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => rconCommand(target, command, timeouts));
    const tail = run.catch(() => undefined);
    this.queues.set(serverId, tail);
    void tail.then(() => {
      if (this.queues.get(serverId) === tail) this.queues.delete(serverId);
    });
    return run;
  }
}
