/**
 * The names servers see. L4D2 on Linux ignores an addon VPK whose name holds two or more dots, so
 * every name here has exactly one: the extension's.
 */

import type { AddonKindName } from '../db/schema.js';

const EXTENSIONS: Record<AddonKindName, string> = {
  workshop: 'vpk',
  vpk: 'vpk',
  plugin: 'smx',
  // Archives are unpacked; their name is only shown.
  sourcemod: 'tar.gz',
  metamod: 'tar.gz',
};

const MAX_BASE = 64;
const KNOWN_ENDINGS = /\.(vpk|smx|tar\.gz|tgz|gz|tar)$/i;

/**
 * A name safe on any server: the upload's name without its extension, every run of characters
 * other than letters, digits, `-` and `_` turned into one `_`, at most 64 characters, then the
 * kind's extension. `My Campaign v1.2.vpk` → `My_Campaign_v1_2.vpk`; nothing left → `addon.vpk`.
 */
export function sanitizedFilename(original: string, kind: AddonKindName): string {
  const base = (original.split(/[/\\]/).pop() ?? '')
    .replace(KNOWN_ENDINGS, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|_+$/g, '')
    .slice(0, MAX_BASE);
  return `${base === '' ? 'addon' : base}.${EXTENSIONS[kind]}`;
}

/** A Workshop item's file, as L4D2 names it in addons/workshop/: `<id>.vpk`. */
export function workshopFilename(workshopId: string): string {
  return `${workshopId}.vpk`;
}

/**
 * Names for files linked into one folder, in order: a name already taken gets the addon's id
 * (`map.vpk`, then `map_7.vpk`), so two addons never hide each other.
 */
export function distinctNames(files: Array<{ id: number; filename: string }>): Map<number, string> {
  const taken = new Set<string>();
  const names = new Map<number, string>();
  for (const { id, filename } of files) {
    const dot = filename.lastIndexOf('.');
    const [stem, extension] = [filename.slice(0, dot), filename.slice(dot)];
    let name = filename;
    // Another addon may be called `map_7.vpk` itself: count on until the name is free.
    for (let n = 1; taken.has(name.toLowerCase()); n++)
      name = `${stem}_${id}${n > 1 ? `_${n}` : ''}${extension}`;
    taken.add(name.toLowerCase());
    names.set(id, name);
  }
  return names;
}
