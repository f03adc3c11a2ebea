import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findVdfBlock, parseVdf, vdfFind, vdfGet } from './vdf.js';

/** Left 4 Dead 2 Dedicated Server's Steam app. */
export const APP_ID = '222860';

/** Where SteamCMD records what it installed in a `force_install_dir`. */
export function manifestPath(srcdsDir: string): string {
  return path.join(srcdsDir, 'steamapps', `appmanifest_${APP_ID}.acf`);
}

/** A build Steam would name: digits, not 0 (SteamCMD writes 0 while an install is incomplete). */
function knownBuild(value: unknown): string | null {
  return typeof value === 'string' && /^\d+$/.test(value) && !/^0+$/.test(value) ? value : null;
}

/** `AppState.buildid` of an app manifest's text, or null (missing, 0, or not a manifest). */
export function buildidOfManifest(text: string): string | null {
  try {
    return knownBuild(vdfGet(parseVdf(text), 'AppState', 'buildid'));
  } catch {
    return null;
  }
}

/** The installed build, from `$SRCDS_DIR/steamapps/appmanifest_222860.acf`; null when unknown. */
export async function readInstalledBuildid(srcdsDir: string): Promise<string | null> {
  try {
    return buildidOfManifest(await readFile(manifestPath(srcdsDir), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * `branches.public.buildid` from what `app_info_print 222860` printed (SteamCMD's banner and all),
 * or null when the output holds no such build.
 */
export function remoteBuildidOf(output: string): string | null {
  const app = findVdfBlock(output, APP_ID);
  const branches = app && vdfFind(app, 'branches');
  return branches ? knownBuild(vdfGet(branches, 'public', 'buildid')) : null;
}

/**
 * Whether Steam has a newer build than the one installed. Unknown (null) unless both builds are
 * known: a missing manifest, build 0 or a failed query never reads as "up to date".
 */
export function updateAvailable(installed: string | null, remote: string | null): boolean | null {
  const local = knownBuild(installed);
  const latest = knownBuild(remote);
  if (local === null || latest === null) return null;
  return local !== latest;
}
