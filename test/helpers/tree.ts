import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** One entry of a tree as lstat sees it: links are not followed. */
export interface TreeEntry {
  kind: 'dir' | 'file' | 'link' | 'other';
  size: number;
  mtimeMs: number;
  mode: number;
  /** A link's target. */
  target?: string;
}

/**
 * Every path under dir (relative) with its kind, size, mode and mtime, links not followed: equal
 * before and after means nothing under dir was created, removed or written.
 */
export function treeSnapshot(dir: string): Record<string, TreeEntry> {
  const entries: Record<string, TreeEntry> = {};
  const walk = (relative: string) => {
    const full = path.join(dir, relative);
    const stat = lstatSync(full);
    const kind = stat.isSymbolicLink()
      ? 'link'
      : stat.isDirectory()
        ? 'dir'
        : stat.isFile()
          ? 'file'
          : 'other';
    entries[relative === '' ? '.' : relative] = {
      kind,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      mode: stat.mode,
      ...(kind === 'link' && { target: readlinkSync(full) }),
    };
    if (kind === 'dir') for (const name of readdirSync(full).sort()) walk(path.join(relative, name));
  };
  walk('');
  return entries;
}
