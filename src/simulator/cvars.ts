export interface CvarSpec {
  name: string;
  defaultValue: string;
  description: string;
  /** Notify cvars are the ones srcds lists in A2S_RULES. */
  notify?: boolean;
  /** Never shown by A2S_RULES or cvarlist values. */
  secret?: boolean;
  min?: number;
  max?: number;
}

/** The cvars the simulator knows; others in a cfg are ignored, over RCON they are unknown commands. */
export const CVARS: readonly CvarSpec[] = [
  { name: 'hostname', defaultValue: 'Left 4 Dead 2', description: 'Hostname for server.' },
  {
    name: 'sv_maxplayers',
    defaultValue: '-1',
    description: 'Max Human Players (-1: the game mode decides, 4 in coop, 8 in versus).',
    min: -1,
    max: 32,
  },
  { name: 'rcon_password', defaultValue: '', description: 'remote console password.', secret: true },
  {
    name: 'sv_password',
    defaultValue: '',
    description: 'Server password for entry into multiplayer games',
    secret: true,
    notify: true,
  },
  {
    name: 'mp_gamemode',
    defaultValue: 'coop',
    description:
      'Current game mode, acceptable values are coop, realism, versus, survival, scavenge and holdout; ',
    notify: true,
  },
  {
    name: 'z_difficulty',
    defaultValue: 'Normal',
    description: 'Difficulty of the current game (Easy, Normal, Hard, Impossible)',
    notify: true,
  },
  {
    name: 'sv_gametypes',
    defaultValue: 'coop,realism,survival,versus,scavenge',
    description: 'Game types allowed on the server',
  },
  {
    name: 'sv_tags',
    defaultValue: '',
    description:
      'Server tags. Used to provide extra information to clients when they are browsing for servers.',
    notify: true,
  },
  {
    name: 'sv_cheats',
    defaultValue: '0',
    description: 'Allow cheats on server',
    notify: true,
    min: 0,
    max: 1,
  },
  {
    name: 'sv_alltalk',
    defaultValue: '0',
    description: 'Players can hear all other players, no team restrictions',
    notify: true,
    min: 0,
    max: 1,
  },
  { name: 'sv_gravity', defaultValue: '800', description: 'World gravity.', notify: true },
  {
    name: 'sv_lan',
    defaultValue: '0',
    description: 'Server is a lan server ( no heartbeat, no authentication, no non-class C addresses )',
    min: 0,
    max: 1,
  },
  { name: 'sv_region', defaultValue: '-1', description: 'The region of the world to report this server in.' },
  {
    name: 'sv_steamgroup',
    defaultValue: '',
    description: 'The ID of the steam group that this server belongs to.',
  },
  {
    name: 'sv_allow_lobby_connect_only',
    defaultValue: '1',
    description:
      'If set, players may only join this server from matchmaking lobby, may not connect directly.',
  },
  {
    name: 'sv_consistency',
    defaultValue: '1',
    description: 'Whether the server enforces file consistency for critical files',
  },
  { name: 'sv_pure', defaultValue: '0', description: 'Show user data.' },
  { name: 'motd_enabled', defaultValue: '1', description: 'If true, the message of the day will display' },
  { name: 'sv_logecho', defaultValue: '1', description: 'Echo log information to the console.' },
];

export function cvarSpec(name: string): CvarSpec | undefined {
  return CVARS.find((c) => c.name === name);
}
