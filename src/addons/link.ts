import { chmod, copyFile, lstat, mkdir, readdir, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceAtomically } from '../instances/instances.js';
import type { InstancePaths } from '../instances/layout.js';
import { distinctNames } from './filenames.js';

/**
 * Puts a blueprint's addons into a server's instance (`left4dead2/addons/`, its own directory,
 * which the instance build never touches), after every build, before the launch:
 * - each VPK linked by its name (one dot; a clash gets the addon's id), into the store;
 * - with SourceMod, Metamod:Source's and SourceMod's trees overlaid: `metamod/`, `sourcemod/` and
 *   `sourcemod/plugins/` are real folders whose entries link into the stored trees (both packages put
 *   files in `metamod/`), the chosen plugins are linked into `sourcemod/plugins/`, and
 *   `sourcemod/{data,logs,configs}` are the server's own and writable: configs starts as a copy of
 *   the stock ones, and `admins_simple.ini` is written from the blueprint at every launch.
 * Links the blueprint no longer names go; what the server wrote (logs, data, configs) stays.
 */

export interface LinkedFile {
  id: number;
  /** The name the server sees. */
  filename: string;
  /** The stored content. */
  file: string;
}

export interface AddonSet {
  vpks: LinkedFile[];
  sourcemod: {
    /** The unpacked Metamod:Source tree; where both trees hold an entry, this one's wins. */
    metamod: string;
    /** The unpacked SourceMod tree. */
    sourcemod: string;
    plugins: LinkedFile[];
    adminsIni: string;
  } | null;
}

/** Real folders of `addons/` whose entries come from several places. */
const OVERLAID = ['metamod', 'sourcemod', 'sourcemod/plugins'];
/** The server's own folders under `addons/sourcemod/`: never linked, never emptied. */
const PRIVATE = ['sourcemod/data', 'sourcemod/logs', 'sourcemod/configs'];
const ADMINS_INI = 'sourcemod/configs/admins_simple.ini';

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** What `addons/` should link: its path relative to `addons/` → the stored file or tree entry. */
async function wantedLinks(set: AddonSet): Promise<Map<string, string>> {
  const wanted = new Map<string, string>();
  for (const [id, name] of distinctNames(set.vpks)) {
    wanted.set(name, set.vpks.find((vpk) => vpk.id === id)?.file ?? '');
  }
  if (set.sourcemod === null) return wanted;
  const skip = new Set([...OVERLAID, ...PRIVATE]);
  for (const dir of ['', ...OVERLAID]) {
    for (const tree of [set.sourcemod.metamod, set.sourcemod.sourcemod]) {
      for (const name of await namesIn(path.join(tree, 'addons', dir))) {
        const relative = dir === '' ? name : `${dir}/${name}`;
        if (!skip.has(relative) && !wanted.has(relative))
          wanted.set(relative, path.join(tree, 'addons', relative));
      }
    }
  }
  const { plugins } = set.sourcemod;
  for (const [id, name] of distinctNames(plugins)) {
    wanted.set(`sourcemod/plugins/${name}`, plugins.find((plugin) => plugin.id === id)?.file ?? '');
  }
  return wanted;
}

/**
 * A real folder at `dir`: a link there (left by an older layout, or made by the server to send the
 * panel's writes elsewhere) goes first, so nothing below is written through it.
 */
async function realDir(dir: string): Promise<void> {
  if ((await lstat(dir).catch(() => null))?.isSymbolicLink()) await unlink(dir);
  await mkdir(dir, { recursive: true });
}

/** Copies the files of `from` missing under `to` (recursively), writable: the server's own copies. */
async function copyMissing(from: string, to: string): Promise<void> {
  await realDir(to);
  for (const entry of await readdir(from, { withFileTypes: true }).catch(() => [])) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyMissing(source, target);
    else if (entry.isFile() && !(await lstat(target).catch(() => null))) {
      await copyFile(source, target);
      await chmod(target, 0o644);
    }
  }
}

/** Links in the real folders of `addons/` (never inside the server's own folders). */
async function existingLinks(addonsDir: string): Promise<string[]> {
  const links: string[] = [];
  for (const dir of ['', ...OVERLAID]) {
    for (const entry of await readdir(path.join(addonsDir, dir), { withFileTypes: true }).catch(() => [])) {
      if (entry.isSymbolicLink()) links.push(dir === '' ? entry.name : `${dir}/${entry.name}`);
    }
  }
  return links;
}

/** Makes the instance's `addons/` hold exactly `set` (see above). */
export async function linkAddons(paths: InstancePaths, set: AddonSet): Promise<void> {
  const root = paths.addonsDir;
  await realDir(root);
  const wanted = await wantedLinks(set);
  for (const link of await existingLinks(root)) {
    if (!wanted.has(link)) await unlink(path.join(root, link));
  }
  if (set.sourcemod !== null) {
    for (const dir of [...OVERLAID, ...PRIVATE]) await realDir(path.join(root, dir));
  }
  await Promise.all(
    [...wanted].map(async ([relative, target]) => {
      const at = path.join(root, relative);
      const existing = await lstat(at).catch(() => null);
      // Something the server made itself stays; a link is made anew.
      if (existing && !existing.isSymbolicLink()) return;
      await replaceAtomically(at, (temp) => symlink(target, temp));
    }),
  );
  if (set.sourcemod === null) return;
  const { sourcemod, adminsIni } = set.sourcemod;
  await copyMissing(
    path.join(sourcemod, 'addons', 'sourcemod', 'configs'),
    path.join(root, 'sourcemod', 'configs'),
  );
  // cfg/sourcemod/ is linked from the install when the install has one: the server's own copy replaces it.
  await copyMissing(path.join(sourcemod, 'cfg', 'sourcemod'), path.join(paths.cfgDir, 'sourcemod'));
  // Renamed into place: a link the server put at this name is replaced, never written through.
  await replaceAtomically(path.join(root, ADMINS_INI), (temp) =>
    writeFile(temp, adminsIni, { mode: 0o644, flag: 'wx' }),
  );
}
