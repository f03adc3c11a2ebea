import type { Config } from '../config/config.js';
import type { Player, PlayerSample, ResourceUsage, SupervisorControl } from '../supervisor/control.js';
import type { Server } from './servers.js';

/** How many console lines the server page shows when it opens (what GET /servers/:id/events replays). */
export const CONSOLE_LINES = 100;

export interface ServerPageData {
  consoleLines: string[];
  /** Null when the server is not running or did not say. */
  players: Player[] | null;
  history: PlayerSample[];
  now: number;
  /** CPU and memory from the engine; undefined where the runtime has none (processes). */
  usage?: ResourceUsage | null;
}

/** The console's last CONSOLE_LINES lines; none when the supervisor keeps no console or cannot read it. */
export async function recentConsoleLines(supervisor: SupervisorControl, serverId: number): Promise<string[]> {
  return (await supervisor.recentConsole?.(serverId, CONSOLE_LINES).catch(() => [])) ?? [];
}

/** CPU and memory of a server under the docker or swarm runtime; undefined under the process runtime. */
export async function serverUsage(
  deps: { supervisor: SupervisorControl; config: Pick<Config, 'runtime'> },
  serverId: number,
): Promise<ResourceUsage | null | undefined> {
  if (deps.config.runtime === 'process') return undefined;
  return (await deps.supervisor.resourceUsage?.(serverId).catch(() => null)) ?? null;
}

/**
 * What the server page shows besides the row: the console's tail, the players and the history. The
 * players are the supervisor's (from its own A2S polling): a page view never queries the game server.
 */
export async function serverPageData(
  deps: { supervisor: SupervisorControl; config: Pick<Config, 'runtime'> },
  server: Server,
): Promise<ServerPageData> {
  const [consoleLines, players, usage] = await Promise.all([
    recentConsoleLines(deps.supervisor, server.id),
    server.actual_state === 'running' ? deps.supervisor.livePlayers?.(server.id) : undefined,
    serverUsage(deps, server.id),
  ]);
  return {
    consoleLines,
    players: players ?? null,
    history: deps.supervisor.playerHistory(server.id),
    now: Date.now(),
    ...(usage !== undefined && { usage }),
  };
}
