import type { RconTarget, RconTimeouts } from '../rcon/client.js';
import { queryA2s } from './a2s.js';
import type { LiveStatus, Player } from './control.js';
import { RconClient } from './rcon.js';

/** Game servers are reached on the loopback interface (A2S and RCON). */
export const LOOPBACK = '127.0.0.1';

/** What one A2S poll of a server tells: its live facts and who plays. */
export interface LiveAnswer {
  live: LiveStatus;
  players: Player[];
}

/**
 * How the supervisor talks to a running game server: A2S and RCON, the Source protocols. The panel
 * uses `sourceLink`; orchestration tests give a fake one that answers for their fake runtime.
 */
export interface ServerLink {
  /**
   * A2S info and players of the server on `port` of `host` (default: loopback); rejects when it does
   * not answer within timeoutMs.
   */
  query(port: number, timeoutMs: number, host?: string): Promise<LiveAnswer>;
  /** One console command, at most one at a time per server; rejects with the reason. */
  command(serverId: number, target: RconTarget, command: string, timeouts?: RconTimeouts): Promise<string>;
}

export function sourceLink(rconTimeouts: RconTimeouts): ServerLink {
  const rcon = new RconClient(rconTimeouts);
  return {
    async query(port, timeoutMs, host = LOOPBACK) {
      const answer = await queryA2s(host, port, { timeoutMs, players: true });
      return {
        live: { map: answer.map, players: answer.numplayers, max_players: answer.maxplayers },
        players: answer.players,
      };
    },
    command: (serverId, target, command, timeouts) => rcon.command(serverId, target, command, timeouts),
  };
}
