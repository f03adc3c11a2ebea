import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readVpk } from '../vpk/vpk.js';
import type { LogLine } from './console.js';

/**
 * What L4D2 loads from its game root's `addons/` at start: each `*.vpk` (through links, as srcds
 * opens them), its maps becoming valid for `changelevel`; and Metamod:Source with SourceMod when
 * their files are there. A VPK whose name has two or more dots is ignored, as L4D2 on Linux does.
 */

export const METAMOD_VERSION = '1.12.0-dev+1219';
export const SOURCEMOD_VERSION = '1.12.0.7210';
const SMX_MAGIC = 0x53504646;

export interface Plugin {
  file: string;
  /** A SourcePawn file (its magic); anything else fails to load. */
  valid: boolean;
}

export interface MountedAddons {
  maps: ReadonlySet<string>;
  metamod: boolean;
  sourcemod: boolean;
  plugins: readonly Plugin[];
}

export const NO_ADDONS: MountedAddons = { maps: new Set(), metamod: false, sourcemod: false, plugins: [] };

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The `.smx` files directly in `addons/sourcemod/plugins/`, sorted, each with its validity. */
function readPlugins(addonsDir: string): Plugin[] {
  const dir = path.join(addonsDir, 'sourcemod', 'plugins');
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.toLowerCase().endsWith('.smx'));
  } catch {
    return [];
  }
  return names.sort().flatMap((file) => {
    const full = path.join(dir, file);
    if (!isFile(full)) return [];
    const head = readFileSync(full).subarray(0, 4);
    return [{ file, valid: head.length === 4 && head.readUInt32LE(0) === SMX_MAGIC }];
  });
}

/** Mounts `<root>/<game>/addons/`, printing a line per VPK as srcds does. */
export async function mountAddons(rootDir: string, game: string, log: LogLine): Promise<MountedAddons> {
  const dir = path.join(rootDir, game, 'addons');
  const maps = new Set<string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // No addons folder: nothing to mount.
  }
  for (const name of names) {
    if (!name.toLowerCase().endsWith('.vpk') || name.split('.').length > 2) continue;
    const file = path.join(dir, name);
    if (!isFile(file)) continue;
    try {
      const vpk = await readVpk(file);
      log(`Mounting addon ${name}`);
      for (const map of vpk.maps) maps.add(map);
    } catch {
      log(`Skipping invalid addon ${name}`);
    }
  }
  const metamod = existsSync(path.join(dir, 'metamod.vdf')) && existsSync(path.join(dir, 'metamod'));
  const sourcemod =
    metamod &&
    existsSync(path.join(dir, 'metamod', 'sourcemod.vdf')) &&
    existsSync(path.join(dir, 'sourcemod', 'bin'));
  return { maps, metamod, sourcemod, plugins: sourcemod ? readPlugins(dir) : [] };
}
