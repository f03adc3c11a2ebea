/** A player on a running server, as the server page lists it (from A2S_PLAYER). */
export interface Player {
  /** Empty while the player is still connecting. */
  name: string;
  score: number;
  /** Seconds connected. */
  seconds: number;
}

export interface StatusRow {
  userid: number;
  name: string;
  uniqueid: string;
  seconds: number | null;
}

/** "05:12" or "1:02:03" as seconds; null for anything else. */
export function parseConnected(text: string): number | null {
  if (!/^\d+(:\d{1,2}){1,2}$/.test(text)) return null;
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/**
 * The player rows of srcds's `status` reply:
 * `#  2 "Name" STEAM_1:0:123 05:12 67 0 active 30000 1.2.3.4:27005` (bots have no time).
 */
export function parseStatusPlayers(reply: string): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const line of reply.split(/\r?\n/)) {
    const match = /^#\s*(\d+)\s+"(.*)"\s+(\S+)(?:\s+(\S+))?/.exec(line.trim());
    if (!match) continue;
    const [, userid = '', name = '', uniqueid = '', connected = ''] = match;
    rows.push({ userid: Number(userid), name, uniqueid, seconds: parseConnected(connected) });
  }
  return rows;
}

/** Seconds as srcds shows them: "4:05" or "1:02:03". */
export function formatConnected(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

interface GamedigPlayer {
  name?: string;
  raw?: { score?: number; time?: number };
}

interface GamedigInstance {
  query(options: Record<string, unknown>): Promise<{ players: GamedigPlayer[] }>;
}

// gamedig ships no types; a variable specifier keeps tsc from demanding a declaration file.
const gamedigSpecifier = 'gamedig';
let gamedig: Promise<GamedigInstance> | undefined;

function instance(): Promise<GamedigInstance> {
  gamedig ??= (import(gamedigSpecifier) as Promise<{ GameDig: new () => GamedigInstance }>).then(
    ({ GameDig }) => new GameDig(),
  );
  return gamedig;
}

/**
 * Who is on the server on 127.0.0.1:port, by A2S_PLAYER (not RCON, so looking at the page writes
 * nothing to the server's console); null when it does not answer in time.
 */
export async function listPlayers(port: number, timeoutMs = 800): Promise<Player[] | null> {
  try {
    const result = await (await instance()).query({
      type: 'l4d2',
      host: '127.0.0.1',
      port,
      givenPortOnly: true,
      requestRules: false,
      socketTimeout: timeoutMs,
      attemptTimeout: timeoutMs * 2,
      maxRetries: 1,
    });
    return result.players.map((player) => ({
      name: player.name ?? '',
      score: player.raw?.score ?? 0,
      seconds: Math.max(0, Math.floor(player.raw?.time ?? 0)),
    }));
  } catch {
    return null;
  }
}
