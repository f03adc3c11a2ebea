import { GAME_VERSION } from './a2s.js';
import type { MountedAddons } from './addons.js';
import { isValidCfgPath, readCfg } from './cfg.js';
import { formatDuration, type LogLine } from './console.js';
import { CVARS, cvarSpec } from './cvars.js';
import { isStockMap, STOCK_MAPS } from './maps.js';
import { metaCommand, RELOADED_ADMINS, smCommand } from './sourcemod.js';
import type { GameState, SimPlayer } from './state.js';
import { argumentText, splitCommands, tokenize } from './tokenize.js';

/** What console commands may do to the process around the game state. */
export interface CommandHost {
  readonly state: GameState;
  readonly log: LogLine;
  readonly cfgDir: string;
  /** "ip:port" as `status` shows it. */
  readonly address: string;
  readonly crashOnMapChange: boolean;
  /** What `addons/` mounted: maps beyond the stock ones, Metamod:Source and SourceMod. */
  readonly addons: MountedAddons;
  /** False while the command line runs: `+map` then only picks the first map to load. */
  readonly mapLoaded: boolean;
  /** Exit 0 once the current reply went out. */
  requestQuit(): void;
  /** Die by SIGSEGV once the current reply went out. */
  requestCrash(reason: string): void;
  /** Stop answering once the current reply went out. */
  requestHang(): void;
  /** Allocate and hold this many MB once the current reply went out. */
  requestAllocate(megabytes: number): void;
}

export type Source = 'console' | 'rcon';

const MAX_NAME = 31;
const DEFAULT_ALLOCATE_MB = 256;
const MAX_EXEC_DEPTH = 8;
const COMMAND_NAMES = [
  'changelevel',
  'cvarlist',
  'echo',
  'exec',
  'exit',
  'kick',
  'kickid',
  'map',
  'maps',
  'quit',
  'say',
  'sim_addplayer',
  'sim_allocate',
  'sim_crash',
  'sim_hang',
  'sim_longreply',
  'status',
];

/** Runs srcds console commands against the host; returns what srcds would print (the RCON reply). */
export class CommandRunner {
  private execDepth = 0;

  constructor(private readonly host: CommandHost) {}

  /** Runs a line that may hold several `;`-separated commands. */
  run(line: string, source: Source): string {
    return splitCommands(line)
      .map((command) => this.runOne(command, source))
      .join('');
  }

  private runOne(command: string, source: Source): string {
    const [rawName = '', ...args] = tokenize(command);
    const name = rawName.toLowerCase();
    const { state } = this.host;
    if (name === '') return '';
    switch (name) {
      case 'status':
        return this.status();
      case 'changelevel':
      case 'map':
        return this.changeLevel(name, args[0]);
      case 'kick':
        return this.kick(argumentText(command));
      case 'kickid':
        return this.kickId(args[0] ?? '');
      case 'say':
        return this.say(argumentText(command));
      case 'echo':
        return `${argumentText(command)}\n`;
      case 'quit':
      case 'exit':
        this.host.log('Shutting down server (quit command).');
        this.host.requestQuit();
        return '';
      case 'exec':
        return this.exec(args[0] ?? '', source);
      case 'maps':
        return this.maps(args[0] ?? '*');
      case 'cvarlist':
        return this.cvarlist();
      case 'sim_addplayer':
        return this.addPlayer(args[0], args[1]);
      case 'sim_crash':
        this.host.requestCrash('sim_crash command');
        return 'Simulating a crash (SIGSEGV).\n';
      case 'sim_allocate': {
        const megabytes = Number(args[0] ?? DEFAULT_ALLOCATE_MB);
        if (!Number.isInteger(megabytes) || megabytes < 1) return 'Usage: sim_allocate [MEGABYTES]\n';
        this.host.requestAllocate(megabytes);
        return `Simulating a memory hog: allocating ${megabytes} MB.\n`;
      }
      case 'sim_hang':
        this.host.requestHang();
        return 'Simulating a hang: no more A2S or RCON answers.\n';
      case 'sim_longreply':
        return longReply(Number(args[0] ?? 10000));
      case 'meta':
        if (this.host.addons.metamod) return metaCommand(args, this.host.addons);
        break;
      case 'sm':
        if (this.host.addons.sourcemod) return smCommand(args, this.host.addons);
        break;
      case 'sm_reloadadmins':
        if (this.host.addons.sourcemod) return RELOADED_ADMINS;
        break;
      default:
        if (state.hasCvar(name)) return this.cvar(name, args);
    }
    return source === 'console' ? '' : `Unknown command "${rawName}"\n`;
  }

  /** Stock maps, then the mounted addons' maps. */
  private knownMaps(): string[] {
    return [...STOCK_MAPS, ...[...this.host.addons.maps].filter((map) => !isStockMap(map)).sort()];
  }

  private maps(filter: string): string {
    const part = filter.replace('*', '');
    return `${this.knownMaps()
      .filter((map) => map.includes(part))
      .join('\n')}\n`;
  }

  private status(): string {
    const { state, address } = this.host;
    const rows = state.players.map(
      (p) =>
        `# ${String(p.userid).padStart(2)} "${p.name}" ${p.steamId} ${formatDuration(state.secondsConnected(p))} ` +
        `${p.ping} 0 active 30000 127.0.0.1:${27005 + p.userid}`,
    );
    return [
      `hostname: ${state.hostname}`,
      `version : ${GAME_VERSION} 9060 secure`,
      `udp/ip  : ${address}`,
      'os      : Linux Dedicated',
      `map     : ${state.map} at: 0 x, 0 y, 0 z`,
      `players : ${state.players.length} humans, 0 bots (${state.maxPlayers} max)`,
      '',
      '# userid name uniqueid connected ping loss state rate adr',
      ...rows,
      '',
    ].join('\n');
  }

  private changeLevel(command: 'changelevel' | 'map', map: string | undefined): string {
    if (map === undefined) return `Usage:  ${command} <map>\n`;
    if (!isStockMap(map) && !this.host.addons.maps.has(map)) {
      return command === 'map'
        ? `map load failed: ${map} not found or invalid\n`
        : `changelevel failed: ${map} not found\n`;
    }
    const { state, log } = this.host;
    if (!this.host.mapLoaded) {
      state.map = map;
      return '';
    }
    log(`${command === 'map' ? 'Map' : 'Changelevel'} to ${map} from ${state.map}`);
    state.map = map;
    if (this.host.crashOnMapChange) {
      this.host.requestCrash(`loading ${map}`);
      return '';
    }
    log(`Loading map "${map}"`);
    log(`Started map "${map}"`);
    return '';
  }

  private kick(name: string): string {
    const player = this.host.state.findByName(name);
    if (player === undefined) return `Can't kick "${name}", no such player\n`;
    return this.drop(player);
  }

  private kickId(id: string): string {
    const player = this.host.state.findByUseridOrSteamId(id);
    if (player === undefined) return `kickid: no user ${id} found\n`;
    return this.drop(player);
  }

  private drop(player: SimPlayer): string {
    const { state, log } = this.host;
    state.removePlayer(player);
    const line = `Dropped ${player.name} from server (Kicked by Console)`;
    log(line);
    return `${line}\n`;
  }

  private say(text: string): string {
    this.host.log(`Console: ${text}`);
    return '';
  }

  private exec(name: string, source: Source): string {
    if (name === '') return 'exec <filename>: execute a script file\n';
    if (!isValidCfgPath(name)) return `exec ${name}: invalid path.\n`;
    const commands = readCfg(this.host.cfgDir, name);
    if (commands === undefined) return `exec: couldn't exec ${name}\n`;
    if (this.execDepth >= MAX_EXEC_DEPTH) return `exec: too many nested execs (${name})\n`;
    this.host.log(`Executing ${name}`);
    this.execDepth++;
    try {
      // Unknown cvars in a cfg are skipped silently: a real cfg sets many the simulator does not model.
      return commands.map((command) => this.run(command, source === 'rcon' ? 'console' : source)).join('');
    } finally {
      this.execDepth--;
    }
  }

  private cvar(name: string, args: string[]): string {
    const { state } = this.host;
    const spec = cvarSpec(name);
    if (args.length === 0) {
      const shown = spec?.secret && state.getCvar(name) !== '' ? '********' : state.getCvar(name);
      return `"${name}" = "${shown}" ( def. "${spec?.defaultValue ?? ''}" )\n - ${spec?.description ?? ''}\n`;
    }
    state.setCvar(name, args.join(' '));
    return '';
  }

  private cvarlist(): string {
    const lines = CVARS.map(
      (c) => `${c.name.padEnd(40)} : ${c.secret ? '' : this.host.state.getCvar(c.name)} : : ${c.description}`,
    );
    const commands = COMMAND_NAMES.map((n) => `${n.padEnd(40)} : cmd : :`);
    return `cvar list\n--------------\n${[...lines, ...commands].sort().join('\n')}\n--------------\n${lines.length + commands.length} total convars/concommands\n`;
  }

  private addPlayer(name: string | undefined, score: string | undefined): string {
    const { state, log } = this.host;
    const playerName = (name ?? `Player${state.players.length + 1}`).slice(0, MAX_NAME);
    const player = state.addPlayer(playerName);
    player.score = Number.parseInt(score ?? '0', 10) || 0;
    log(`Client "${player.name}" connected (127.0.0.1:${27005 + player.userid}).`);
    return `Added simulated player "${player.name}" (userid ${player.userid})\n`;
  }
}

/** About `bytes` bytes of numbered lines: enough to need several RCON packets. */
export function longReply(bytes: number): string {
  const wanted = Number.isFinite(bytes) ? Math.min(Math.max(bytes, 0), 1_000_000) : 10000;
  const lines: string[] = [];
  let size = 0;
  for (let i = 1; size < wanted; i++) {
    const line = `sim_longreply line ${String(i).padStart(6, '0')} ${'.'.repeat(40)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
