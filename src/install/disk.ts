import { statfs } from 'node:fs/promises';
import path from 'node:path';

/** Sizes here are in GB of 2^30 bytes, as `df -h` counts them. */
const GB = 1024 ** 3;

/** The refusal when `freeBytes` in `dir` falls short of `minGb`, else null. */
export function freeSpaceShortage(dir: string, minGb: number, freeBytes: number): string | null {
  if (freeBytes >= minGb * GB) return null;
  return `need ${minGb} GB free in ${dir}, found ${(Math.floor((freeBytes / GB) * 10) / 10).toFixed(1)} GB`;
}

/** Free bytes (for an unprivileged user) on the file system that holds `dir`, or its nearest parent. */
export async function freeBytesAt(dir: string): Promise<number> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const stats = await statfs(current);
      return stats.bavail * stats.bsize;
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

/** A size for people: `512 MB`, `7.4 GB` (units of 2^20 and 2^30 bytes). */
export function formatSize(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(1)} GB`;
  return `${Math.round(bytes / 1024 ** 2)} MB`;
}
