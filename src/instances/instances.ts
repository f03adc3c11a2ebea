import type { Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, rename, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  type Entry,
  type EntryKind,
  type InstancePaths,
  instancePaths,
  type Listings,
  MIRRORED_DIRS,
  planInstance,
  type Step,
} from './layout.js';

export interface InstancesOptions {
  dataDir: string;
  srcdsDir: string;
}

/**
 * The servers' instance directories (design/hardening.md; the shape is in `layout.ts`).
 *
 * For the rest of the panel:
 * - `build(serverId)` (re)builds one server's instance from the install and returns its paths. The
 *   supervisor calls it before every launch; the addons feature links a blueprint's VPKs and
 *   SourceMod into `paths.addonsDir` after it (a private directory the build never touches).
 * - `rebuildAll()` rebuilds every instance that exists: call it after the install changed (a game
 *   update), with the servers stopped, as a launch would anyway.
 * Both make every link anew and keep what servers wrote (logs/, downloads/, their cfgs...); builds
 * of one server never overlap. `removeServer` deletes the whole `$DATA_DIR/servers/<id>`.
 */
export class Instances {
  private readonly queue = new Map<number, Promise<unknown>>();

  constructor(private readonly options: InstancesOptions) {}

  paths(serverId: number): InstancePaths {
    return instancePaths(this.options.dataDir, serverId);
  }

  build(serverId: number): Promise<InstancePaths> {
    const previous = this.queue.get(serverId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.buildNow(serverId));
    this.queue.set(serverId, next);
    void next
      .finally(() => {
        if (this.queue.get(serverId) === next) this.queue.delete(serverId);
      })
      .catch(() => undefined);
    return next;
  }

  /** Rebuilds every existing instance; returns their server ids. */
  async rebuildAll(): Promise<number[]> {
    const ids = await existingInstances(this.options.dataDir);
    for (const id of ids) await this.build(id);
    return ids;
  }

  private async buildNow(serverId: number): Promise<InstancePaths> {
    const paths = this.paths(serverId);
    const [install, instance] = await Promise.all([
      listMirrored(this.options.srcdsDir, true),
      listMirrored(paths.game, false),
    ]);
    await applySteps(paths.game, planInstance(this.options.srcdsDir, install, instance));
    return paths;
  }
}

function kindOf(entry: Dirent): EntryKind {
  if (entry.isSymbolicLink()) return 'link';
  if (entry.isDirectory()) return 'dir';
  return entry.isFile() ? 'file' : 'other';
}

async function entriesOf(dir: string): Promise<Entry[] | undefined> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((entry) => ({
      name: entry.name,
      kind: kindOf(entry),
    }));
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    )
      return undefined;
    throw error;
  }
}

/**
 * The mirrored directories of a tree. In an instance only real directories are read: through a link
 * the listing would be the install's, and stale links "in" it would be removed from the install.
 */
async function listMirrored(root: string, followLinks: boolean): Promise<Listings> {
  const listings = new Map<string, Entry[]>();
  for (const dir of MIRRORED_DIRS) {
    if (dir !== '' && !followLinks) {
      const parent = path.posix.dirname(dir);
      const kind = listings
        .get(parent === '.' ? '' : parent)
        ?.find((e) => e.name === path.posix.basename(dir))?.kind;
      if (kind !== 'dir') continue;
    }
    const entries = await entriesOf(path.join(root, dir));
    if (entries) listings.set(dir, entries);
  }
  return listings;
}

const TEMP_SUFFIX = '.l4d2web-new';

/** Replaces whatever is at `file` in one rename: a running server never sees the name missing. */
export async function replaceAtomically(file: string, make: (temp: string) => Promise<void>): Promise<void> {
  const temp = file + TEMP_SUFFIX;
  try {
    await make(temp);
  } catch (error) {
    // Left by a build that died half-way.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await unlink(temp);
    await make(temp);
  }
  await rename(temp, file);
}

async function applySteps(game: string, steps: Step[]): Promise<void> {
  const at = (relative: string) => path.join(game, relative);
  const independent: Step[] = [];
  for (const step of steps) {
    if (step.op === 'unlink') await unlink(at(step.path)).catch(ignoreMissing);
    else if (step.op === 'mkdir') await mkdir(at(step.path), { recursive: true });
    else independent.push(step);
  }
  await Promise.all(
    independent.map((step) =>
      step.op === 'link'
        ? replaceAtomically(at(step.path), (temp) => symlink(step.target, temp))
        : step.op === 'copy'
          ? replaceAtomically(at(step.path), (temp) => copyFile(step.source, temp))
          : Promise.resolve(),
    ),
  );
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** Ids of the servers with an instance directory under `$DATA_DIR/servers`. */
async function existingInstances(dataDir: string): Promise<number[]> {
  const ids: number[] = [];
  for (const entry of (await entriesOf(path.join(dataDir, 'servers'))) ?? []) {
    if (entry.kind !== 'dir' || !/^[1-9]\d*$/.test(entry.name)) continue;
    const id = Number(entry.name);
    const inside = await entriesOf(path.join(dataDir, 'servers', entry.name));
    if (inside?.some((e) => e.name === 'game' && e.kind === 'dir')) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}
