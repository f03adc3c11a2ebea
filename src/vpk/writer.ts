import { createHash } from 'node:crypto';
import { SAME_FILE, VPK_SIGNATURE } from './vpk.js';

/**
 * Writes small single-file VPKs (version 1, as L4D2's tools do, or 2): tests and the bench build
 * their addons with it instead of committing binaries. Not an archiver for real content: every
 * file's data follows the tree, nothing is preloaded, CRCs are zero (L4D2 does not check them).
 */

export interface VpkEntry {
  /** `maps/c1m1_custom.bsp`: a directory, a name and one extension. */
  path: string;
  size: number;
}

function splitPath(file: string): { directory: string; name: string; extension: string } {
  const slash = file.lastIndexOf('/');
  const base = file.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  return {
    directory: slash < 0 ? ' ' : file.slice(0, slash),
    name: dot <= 0 ? base : base.slice(0, dot),
    extension: dot <= 0 ? ' ' : base.slice(dot + 1),
  };
}

const cString = (text: string) => Buffer.from(`${text}\0`, 'latin1');

/** The tree for entries whose data follows it in their order. */
function tree(entries: VpkEntry[]): Buffer {
  const grouped = new Map<string, Map<string, Array<{ name: string; offset: number; size: number }>>>();
  let offset = 0;
  for (const entry of entries) {
    const { directory, name, extension } = splitPath(entry.path);
    const byDirectory = grouped.get(extension) ?? new Map();
    grouped.set(extension, byDirectory);
    const names = byDirectory.get(directory) ?? [];
    byDirectory.set(directory, names);
    names.push({ name, offset, size: entry.size });
    offset += entry.size;
  }
  const parts: Buffer[] = [];
  for (const [extension, byDirectory] of grouped) {
    parts.push(cString(extension));
    for (const [directory, names] of byDirectory) {
      parts.push(cString(directory));
      for (const { name, offset: at, size } of names) {
        const entry = Buffer.alloc(18);
        entry.writeUInt32LE(0, 0);
        entry.writeUInt16LE(0, 4);
        entry.writeUInt16LE(SAME_FILE, 6);
        entry.writeUInt32LE(at, 8);
        entry.writeUInt32LE(size, 12);
        entry.writeUInt16LE(0xffff, 16);
        parts.push(cString(name), entry);
      }
      parts.push(cString(''));
    }
    parts.push(cString(''));
  }
  parts.push(cString(''));
  return Buffer.concat(parts);
}

/**
 * Everything before the data: header and tree (for version 2 the data section's size is in the
 * header, and `vpkTrailer` must follow the data). With the data streamed after it, a VPK of any size.
 */
export function vpkDirectory(entries: VpkEntry[], version: 1 | 2 = 1): Buffer {
  const body = tree(entries);
  const header = Buffer.alloc(version === 1 ? 12 : 28);
  VPK_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(version, 4);
  header.writeUInt32LE(body.length, 8);
  if (version === 2) {
    header.writeUInt32LE(
      entries.reduce((sum, entry) => sum + entry.size, 0),
      12,
    );
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(48, 20);
    header.writeUInt32LE(0, 24);
  }
  return Buffer.concat([header, body]);
}

/** Version 2's "other MD5" section: the tree's MD5, then two checksums this writer leaves zero. */
export function vpkTrailer(entries: VpkEntry[]): Buffer {
  return Buffer.concat([createHash('md5').update(tree(entries)).digest(), Buffer.alloc(32)]);
}

/** A whole VPK holding `files` (path → content). */
export function buildVpk(files: Record<string, Buffer | string>, version: 1 | 2 = 1): Buffer {
  const data = Object.values(files).map((content) => Buffer.from(content));
  const entries = Object.keys(files).map((path, index) => ({ path, size: data[index]?.length ?? 0 }));
  return Buffer.concat([
    vpkDirectory(entries, version),
    ...data,
    ...(version === 2 ? [vpkTrailer(entries)] : []),
  ]);
}

/** A VPK holding one small `maps/<name>.bsp` per map (plus an addoninfo.txt), as a campaign does. */
export function buildMapVpk(maps: string[], version: 1 | 2 = 1): Buffer {
  const files: Record<string, string> = {
    'addoninfo.txt': `"AddonInfo" { "addontitle" "${maps[0] ?? 'addon'}" }\n`,
  };
  for (const map of maps) files[`maps/${map}.bsp`] = `VBSP ${map}`;
  return buildVpk(files, version);
}
