import type { LiveStatus } from './control.js';

interface GamedigResult {
  map: string;
  numplayers: number;
  maxplayers: number;
}

interface GamedigInstance {
  query(options: Record<string, unknown>): Promise<GamedigResult>;
}

interface GamedigModule {
  GameDig: new (options?: Record<string, unknown>) => GamedigInstance;
}

// gamedig ships no types; a variable specifier keeps tsc from demanding a declaration file.
const gamedigSpecifier = 'gamedig';
let gamedig: Promise<GamedigInstance> | undefined;

/** One GameDig for the panel: it shares one UDP socket among all queries. */
function instance(): Promise<GamedigInstance> {
  gamedig ??= (import(gamedigSpecifier) as Promise<GamedigModule>).then(({ GameDig }) => new GameDig());
  return gamedig;
}

/**
 * A2S_INFO (with the challenge step) of the L4D2 server on host:port; its map and player counts.
 * Only the given port is asked (givenPortOnly), and not the player list: the info answer has the count.
 */
export async function queryLiveStatus(host: string, port: number, timeoutMs: number): Promise<LiveStatus> {
  const result = await (await instance()).query({
    type: 'l4d2',
    host,
    port,
    givenPortOnly: true,
    requestPlayers: false,
    requestRules: false,
    socketTimeout: timeoutMs,
    attemptTimeout: timeoutMs * 2,
    maxRetries: 1,
  });
  return { map: result.map, players: result.numplayers, max_players: result.maxplayers };
}
