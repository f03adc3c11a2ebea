import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * The SteamCMD program to run, looked up when a job starts (SteamCMD may be installed while the
 * panel runs), or null. `STEAMCMD` names a path, or a program on PATH; by default `steamcmd` on PATH,
 * then `/usr/games/steamcmd` (where Debian's package puts it: a service's PATH often lacks
 * /usr/games), then `$DATA_DIR/steamcmd/steamcmd.sh` (Valve's tarball unpacked there).
 */
export function resolveSteamcmd(
  setting: string | null,
  dataDir: string,
  searchPath: string,
  systemPrograms: readonly string[] = ['/usr/games/steamcmd'],
): string | null {
  if (setting) {
    if (setting.includes('/')) return isExecutableFile(setting) ? path.resolve(setting) : null;
    return onPath(setting, searchPath);
  }
  return (
    onPath('steamcmd', searchPath) ??
    [...systemPrograms, path.join(dataDir, 'steamcmd', 'steamcmd.sh')].find(isExecutableFile) ??
    null
  );
}
