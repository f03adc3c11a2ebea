import type { Player } from './control.js';

/** What an L4D2 server answers to A2S (gamedig's names). */
export interface A2sAnswer {
  name: string;
  map: string;
  password: boolean;
  numplayers: number;
  maxplayers: number;
  version: string;
  /** The humans on it (bots left out), from A2S_PLAYER; empty when players were not asked for. */
  players: Player[];
  raw: { appId?: number; folder?: string; game?: string; protocol?: number; rules?: Record<string, string> };
}

interface GamedigPlayer {
  name?: string;
  raw?: { score?: number; time?: number };
}

interface GamedigInstance {
  query(options: Record<string, unknown>): Promise<Omit<A2sAnswer, 'players'> & { players: GamedigPlayer[] }>;
}

// gamedig ships no types; a variable specifier keeps tsc from demanding a declaration file.
const gamedigSpecifier = 'gamedig';
let gamedig: Promise<GamedigInstance> | undefined;

/** One GameDig for the panel: it shares one UDP socket among all queries. */
function instance(): Promise<GamedigInstance> {
  gamedig ??= (import(gamedigSpecifier) as Promise<{ GameDig: new () => GamedigInstance }>).then(
    ({ GameDig }) => new GameDig(),
  );
  return gamedig;
}

/**
 * The panel's one A2S client: A2S_INFO (with the challenge step) of the L4D2 server on host:port, and
 * A2S_PLAYER and A2S_RULES when asked. Only the given port is asked (givenPortOnly). A player list that
 * does not come in time is left empty rather than failing the answer (the info is what tells a live
 * server from a hung one).
 */
export async function queryA2s(
  host: string,
  port: number,
  options: { timeoutMs: number; players?: boolean; rules?: boolean },
): Promise<A2sAnswer> {
  const { timeoutMs } = options;
  const result = await (await instance()).query({
    type: 'l4d2',
    host,
    port,
    givenPortOnly: true,
    requestPlayers: options.players ?? false,
    requestRules: options.rules ?? false,
    socketTimeout: timeoutMs,
    attemptTimeout: timeoutMs * 2,
    maxRetries: 1,
  });
  const { appId, folder, game, protocol, rules } = result.raw;
  return {
    name: result.name,
    map: result.map,
    password: result.password,
    numplayers: result.numplayers,
    maxplayers: result.maxplayers,
    version: result.version,
    raw: { appId, folder, game, protocol, ...(rules ? { rules } : {}) },
    players: result.players.map((player) => ({
      name: player.name ?? '',
      score: player.raw?.score ?? 0,
      seconds: Math.max(0, player.raw?.time ?? 0),
    })),
  };
}
