import path from 'node:path';
import { serverDataDir } from '../config/paths.js';

/**
 * The shape of a server's instance directory (design/hardening.md), as pure data and one pure
 * planning function; `instances.ts` reads the directories and carries the plan out.
 *
 * `$DATA_DIR/servers/<id>/game/` mirrors `$SRCDS_DIR`. Most of the install is reached through one
 * link per top-level entry (bin/, hl2/, the VPKs...): the server only reads there, so whole
 * subtrees are linked and a build touches a few hundred entries whatever the install's size. A
 * server writes by name, and a write to an existing link lands in the shared install, so every
 * place srcds writes is real and the server's own.
 */

/** Real directories whose install entries are linked one by one (parents first). */
export const MIRRORED_DIRS = [
  '',
  'left4dead2',
  // Stock cfgs linked; l4d2web.cfg and the cfgs the server writes (banned_*.cfg, sourcemod/) real.
  'left4dead2/cfg',
  // A new .nav or node graph is written here; the stock maps live in the VPKs.
  'left4dead2/maps',
  // sound/sound.cache is rebuilt by the engine when stale.
  'left4dead2/sound',
] as const;

/**
 * Directories the server writes: its own, created empty, kept across rebuilds, never linked. addons/
 * holds what the addons feature links in per blueprint; logs/ (`log on`, L<MMDD><NNN>.log),
 * downloads/ (sprays and files clients upload), downloadlists/ (per-map download lists), ems/
 * (VScript StringToFile), maps/graphs/ (node graphs rebuilt when stale).
 */
export const PRIVATE_DIRS = [
  'left4dead2/addons',
  'left4dead2/logs',
  'left4dead2/downloads',
  'left4dead2/downloadlists',
  'left4dead2/ems',
  'left4dead2/maps/graphs',
] as const;

/**
 * Files srcds may rewrite in place (writeid, writeip; steam_appid.txt at start-up): copied from the
 * install once, then the server's.
 */
export const COPIED_FILES = [
  'steam_appid.txt',
  'left4dead2/cfg/banned_user.cfg',
  'left4dead2/cfg/banned_ip.cfg',
] as const;

/** The cfg the panel writes into each instance and `+exec`s: the blueprint's lines and the rcon_password. */
export const LAUNCH_CFG = 'l4d2web.cfg';

/**
 * Install entries never linked: the panel's own cfg name, the shared folder older versions wrote
 * every server's cfg to (other servers' RCON passwords), and caches the engine rewrites.
 */
function neverLinked(relative: string): boolean {
  return (
    relative === `left4dead2/cfg/${LAUNCH_CFG}` ||
    relative === 'left4dead2/cfg/l4d2web' ||
    relative.endsWith('.cache')
  );
}

const REAL_DIRS = new Set<string>([...MIRRORED_DIRS, ...PRIVATE_DIRS]);
const COPIED = new Set<string>(COPIED_FILES);

export interface InstancePaths {
  /** The game root: srcds_run is run from here. */
  game: string;
  cfgDir: string;
  /** `left4dead2/cfg/l4d2web.cfg`. */
  launchCfg: string;
  addonsDir: string;
  logsDir: string;
}

export function instancePaths(dataDir: string, serverId: number): InstancePaths {
  const game = path.join(serverDataDir(dataDir, serverId), 'game');
  const cfgDir = path.join(game, 'left4dead2', 'cfg');
  return {
    game,
    cfgDir,
    launchCfg: path.join(cfgDir, LAUNCH_CFG),
    addonsDir: path.join(game, 'left4dead2', 'addons'),
    logsDir: path.join(game, 'left4dead2', 'logs'),
  };
}

export type EntryKind = 'dir' | 'file' | 'link' | 'other';

export interface Entry {
  name: string;
  kind: EntryKind;
}

/** The entries of each MIRRORED_DIRS directory that exists, by its path relative to the root. */
export type Listings = ReadonlyMap<string, readonly Entry[]>;

/** One change to the instance, relative to its game root; install paths are absolute. */
export type Step =
  | { op: 'unlink'; path: string }
  | { op: 'mkdir'; path: string }
  | { op: 'link'; path: string; target: string }
  | { op: 'copy'; path: string; source: string };

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

/**
 * What makes the instance match the install: steps in order (unlinks, then real directories, parents
 * first, then links and copies, which are independent of each other). Every link is made anew, so a
 * rebuild follows the install wherever it changed. What the server made itself (a real file or
 * directory where the install has a link) is kept; links the install no longer backs go.
 */
export function planInstance(installDir: string, install: Listings, instance: Listings): Step[] {
  const removals: Step[] = [];
  const dirs: Step[] = [];
  const entries: Step[] = [];
  const instanceKind = (relative: string): EntryKind | undefined => {
    const parent = path.posix.dirname(relative);
    const name = path.posix.basename(relative);
    return instance.get(parent === '.' ? '' : parent)?.find((entry) => entry.name === name)?.kind;
  };
  for (const dir of REAL_DIRS) {
    // A link where a real directory belongs would send the server's writes into its target.
    if (dir !== '' && instanceKind(dir) === 'link') removals.push({ op: 'unlink', path: dir });
    dirs.push({ op: 'mkdir', path: dir });
  }
  for (const dir of MIRRORED_DIRS) {
    const linked = new Set<string>();
    for (const entry of install.get(dir) ?? []) {
      const relative = join(dir, entry.name);
      if (REAL_DIRS.has(relative) || neverLinked(relative)) continue;
      const own = instanceKind(relative);
      if (COPIED.has(relative)) {
        if (own === undefined || own === 'link')
          entries.push({ op: 'copy', path: relative, source: path.join(installDir, relative) });
        continue;
      }
      if (own !== undefined && own !== 'link') continue;
      linked.add(entry.name);
      entries.push({ op: 'link', path: relative, target: path.join(installDir, relative) });
    }
    for (const entry of instance.get(dir) ?? []) {
      const relative = join(dir, entry.name);
      if (entry.kind === 'link' && !linked.has(entry.name) && !REAL_DIRS.has(relative))
        removals.push({ op: 'unlink', path: relative });
    }
  }
  return [...removals, ...dirs, ...entries];
}
