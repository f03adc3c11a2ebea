import { CVARS, cvarSpec } from './cvars.js';
import { DEFAULT_MAP } from './maps.js';

export interface SimPlayer {
  userid: number;
  name: string;
  score: number;
  connectedAt: number;
  ping: number;
  steamId: string;
}

const VERSUS_MODES = new Set(['versus', 'teamversus', 'scavenge', 'teamscavenge', 'mutation12']);

/** The game state srcds would expose: cvars, the map and the (simulated) players. */
export class GameState {
  map = DEFAULT_MAP;
  readonly players: SimPlayer[] = [];
  private readonly cvars = new Map<string, string>(CVARS.map((c) => [c.name, c.defaultValue]));
  private nextUserid = 2;

  constructor(private readonly now: () => number = Date.now) {}

  hasCvar(name: string): boolean {
    return this.cvars.has(name);
  }

  getCvar(name: string): string {
    return this.cvars.get(name) ?? '';
  }

  /** Sets a known cvar, clamped to its range like srcds does; unknown names are ignored. */
  setCvar(name: string, value: string): void {
    const spec = cvarSpec(name);
    if (spec === undefined) return;
    let stored = value;
    if (spec.min !== undefined || spec.max !== undefined) {
      const parsed = Number.parseFloat(value);
      const number = Number.isNaN(parsed) ? 0 : Math.trunc(parsed);
      stored = String(Math.min(spec.max ?? number, Math.max(spec.min ?? number, number)));
    }
    this.cvars.set(name, stored);
  }

  get hostname(): string {
    return this.getCvar('hostname');
  }

  /** sv_maxplayers -1 lets the game mode decide: 4 survivors in coop, 8 players in versus modes. */
  get maxPlayers(): number {
    const configured = Number.parseInt(this.getCvar('sv_maxplayers'), 10);
    if (configured >= 0) return configured;
    return VERSUS_MODES.has(this.getCvar('mp_gamemode')) ? 8 : 4;
  }

  get passwordProtected(): boolean {
    return this.getCvar('sv_password') !== '';
  }

  addPlayer(name: string): SimPlayer {
    const userid = this.nextUserid++;
    const player: SimPlayer = {
      userid,
      name,
      score: 0,
      connectedAt: this.now(),
      ping: 20 + ((userid * 7) % 60),
      steamId: `STEAM_1:${userid % 2}:${1000000 + userid * 4099}`,
    };
    this.players.push(player);
    return player;
  }

  findByName(name: string): SimPlayer | undefined {
    return this.players.find((p) => p.name === name);
  }

  /** `kickid` accepts a userid (optionally `#`-prefixed) or a SteamID. */
  findByUseridOrSteamId(id: string): SimPlayer | undefined {
    const userid = id.replace(/^#/, '');
    return this.players.find(
      (p) => p.steamId === id || (/^\d+$/.test(userid) && p.userid === Number(userid)),
    );
  }

  removePlayer(player: SimPlayer): void {
    const index = this.players.indexOf(player);
    if (index >= 0) this.players.splice(index, 1);
  }

  secondsConnected(player: SimPlayer): number {
    return (this.now() - player.connectedAt) / 1000;
  }
}
