import { readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Where versions before instance directories wrote every server's cfg: inside the shared install. */
export function sharedCfgDir(srcdsDir: string): string {
  return path.join(srcdsDir, 'left4dead2', 'cfg', 'l4d2web');
}

const SHARED_CFG = /^server-\d+\.cfg$/;

/**
 * The upgrade to instance directories, run at every start of the supervisor (idempotent): the old
 * per-server cfgs in the install go, since any server could `exec` them and they hold the other
 * servers' RCON passwords, and so does their folder once empty (other files in it are not ours and
 * stay). Servers still running from the old layout read their cfg at start and need it no more;
 * they are adopted as before and move to their instance on their next start.
 * Returns what it removed, relative to the install.
 */
export async function removeSharedCfgs(srcdsDir: string): Promise<string[]> {
  const dir = sharedCfgDir(srcdsDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  const relative = (name: string) => path.relative(srcdsDir, path.join(dir, name));
  for (const name of names.filter((n) => SHARED_CFG.test(n))) {
    await unlink(path.join(dir, name));
    removed.push(relative(name));
  }
  if (removed.length === names.length) {
    await rmdir(dir);
    removed.push(`${relative('')}/`);
  }
  return removed;
}
