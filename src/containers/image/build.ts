import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { parseImageName } from '../../config/runtime.js';
import { engineStatus, followProgress } from '../engine.js';
import {
  debootstrapArgs,
  type ImageRecipe,
  imageRecipe,
  importChanges,
  RECIPE_LABEL,
  recipeKey,
} from './recipe.js';

export class ImageBuildError extends Error {}

export interface ImageBuildOptions {
  docker: Docker;
  /** SRCDS_IMAGE: the name the image gets. */
  image: string;
  simulator: boolean;
  mirror?: string;
  /** Keeps the root file system's tarball here, keyed by the recipe, and reuses it next time. */
  cacheDir?: string;
  /** Progress lines (debootstrap's own among them). */
  log?: (line: string) => void;
}

export interface ImageBuildResult {
  image: string;
  id: string;
  recipe: string;
  /** `engine`: the engine already had this recipe's image; `cache`: the tarball was reused. */
  reused: 'engine' | 'cache' | null;
}

/**
 * `debootstrap --variant=minbase` of bookworm with srcds's 32-bit libraries (and Node.js for the
 * simulator), packed into a tarball, then imported through the Engine API (`POST /images/create`,
 * what `docker import` does) and tagged. Needs root (debootstrap makes device nodes and root-owned
 * files) and Debian's mirror.
 */
export async function buildImage(options: ImageBuildOptions): Promise<ImageBuildResult> {
  const log = options.log ?? (() => undefined);
  const name = parseImageName(options.image);
  if (!name) throw new ImageBuildError(`"${options.image}" is not an image name (e.g. l4d2web/srcds:local)`);
  const recipe = imageRecipe({ simulator: options.simulator, mirror: options.mirror });
  const key = recipeKey(recipe);

  const existing = await inspectImage(options.docker, options.image);
  if (existing?.Config?.Labels?.[RECIPE_LABEL] === key) {
    log(`${options.image} is up to date (recipe ${key})`);
    return { image: options.image, id: existing.Id, recipe: key, reused: 'engine' };
  }

  const cacheDir = options.cacheDir ?? (await mkdtemp(path.join(tmpdir(), 'l4d2web-image-')));
  const tarball = path.join(cacheDir, `rootfs-${key}.tar`);
  let reused: ImageBuildResult['reused'] = 'cache';
  try {
    await mkdir(cacheDir, { recursive: true });
    await withLock(`${tarball}.lock`, async () => {
      if (existsSync(tarball)) return;
      reused = null;
      await makeRootfsTarball(recipe, tarball, log);
    });
    if (reused) log(`reusing ${tarball}`);
    log(`importing into the engine as ${options.image}`);
    const stream = await options.docker.importImage(tarball, {
      repo: name.repo,
      tag: name.tag,
      changes: importChanges(recipe),
    } as object);
    await followProgress(options.docker, stream);
  } finally {
    if (!options.cacheDir) await rm(cacheDir, { recursive: true, force: true });
  }
  const image = await inspectImage(options.docker, options.image);
  if (!image) throw new ImageBuildError(`the engine did not keep ${options.image} after the import`);
  log(`${options.image} is ${image.Id} (recipe ${key})`);
  return { image: options.image, id: image.Id, recipe: key, reused };
}

async function inspectImage(docker: Docker, image: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(image).inspect();
  } catch (error) {
    if (engineStatus(error) === 404) return null;
    throw error;
  }
}

/** debootstrap into a scratch directory beside the tarball, trim it, pack it; the tarball appears whole or not at all. */
async function makeRootfsTarball(
  recipe: ImageRecipe,
  tarball: string,
  log: (line: string) => void,
): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ImageBuildError(
      'building the image needs root (debootstrap makes device nodes and root-owned files)',
    );
  }
  const rootfs = `${tarball}.rootfs`;
  const partial = `${tarball}.partial`;
  await rm(rootfs, { recursive: true, force: true });
  try {
    log(`debootstrap ${debootstrapArgs(recipe, rootfs).join(' ')}`);
    await run(
      'debootstrap',
      debootstrapArgs(recipe, rootfs),
      log,
      'install it with: apt-get install debootstrap',
    );
    // Downloaded packages and package lists are not needed to run anything.
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      await rm(path.join(rootfs, dir), { recursive: true, force: true });
      await mkdir(path.join(rootfs, dir, 'partial'), { recursive: true });
    }
    // The engine gives each container its own /dev, /proc and /sys.
    const exclude = ['./dev/*', './proc/*', './sys/*'].map((pattern) => `--exclude=${pattern}`);
    await run(
      'tar',
      ['--numeric-owner', '-C', rootfs, '-cf', partial, ...exclude, '.'],
      log,
      'GNU tar is needed',
    );
    await rename(partial, tarball);
  } finally {
    await rm(rootfs, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

function run(command: string, args: string[], log: (line: string) => void, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = tail + chunk.toString('utf8');
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ImageBuildError(
          error.code === 'ENOENT' ? `${command} not found: ${hint}` : `${command}: ${error.message}`,
        ),
      ),
    );
    child.once('close', (code, signal) => {
      if (tail.trim()) log(tail);
      if (code === 0) resolve();
      else
        reject(
          new ImageBuildError(`${command} failed (${signal ?? `exit code ${code}`}); see the lines above`),
        );
    });
  });
}

/**
 * One builder of a tarball at a time (test workers build the same image at once): a lock file
 * holding the builder's pid, taken over when that process is gone.
 */
async function withLock(lockPath: string, body: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(lockPath, 'utf8').catch(() => ''));
      if (owner > 0 && !isAlive(owner)) await rm(lockPath, { force: true });
      else await sleep(500);
    }
  }
  try {
    await body();
  } finally {
    await rm(lockPath, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
