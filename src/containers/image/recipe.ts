import { createHash } from 'node:crypto';

/**
 * What `l4d2web image build` makes: a Debian bookworm root file system from Debian's own packages
 * (no registry needed), imported into the engine as SRCDS_IMAGE. Pure data and pure functions.
 */

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * srcds_linux is a 32-bit program: it needs the 32-bit C and C++ runtimes (libc6-i386 comes with
 * them). These are the srcds libraries of LinuxGSM's Debian 12 list, which names nothing extra for
 * L4D2; ca-certificates for HTTPS (Workshop downloads by plugins). bash, which Valve's srcds_run
 * needs, is part of every Debian system.
 */
export const SRCDS_PACKAGES = ['lib32gcc-s1', 'lib32stdc++6', 'ca-certificates'] as const;

/** The srcds simulator is a Node.js program; bookworm's nodejs is 18, which runs it. */
export const SIMULATOR_PACKAGES = ['nodejs'] as const;

/** Bumped whenever the way a root file system is made changes, so cached tarballs are not reused. */
const RECIPE_VERSION = 1;

export interface ImageRecipe {
  suite: 'bookworm';
  variant: 'minbase';
  mirror: string;
  packages: string[];
  simulator: boolean;
}

export function imageRecipe(options: { simulator: boolean; mirror?: string }): ImageRecipe {
  return {
    suite: 'bookworm',
    variant: 'minbase',
    mirror: options.mirror ?? DEFAULT_MIRROR,
    packages: [...SRCDS_PACKAGES, ...(options.simulator ? SIMULATOR_PACKAGES : [])],
    simulator: options.simulator,
  };
}

/** A short hash naming the recipe: the key of its cached tarball and the image's label. */
export function recipeKey(recipe: ImageRecipe): string {
  const canonical = JSON.stringify([
    RECIPE_VERSION,
    recipe.suite,
    recipe.variant,
    recipe.mirror,
    recipe.packages,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function debootstrapArgs(recipe: ImageRecipe, targetDir: string): string[] {
  return [
    `--variant=${recipe.variant}`,
    `--include=${recipe.packages.join(',')}`,
    recipe.suite,
    targetDir,
    recipe.mirror,
  ];
}

/** Labels the import gives the image: the recipe's key, so an image already made is not made again. */
export const RECIPE_LABEL = 'l4d2web.recipe';
export const SIMULATOR_LABEL = 'l4d2web.simulator';

/** The `changes` of the import (Dockerfile instructions applied to the imported file system). */
export function importChanges(recipe: ImageRecipe): string[] {
  return [
    `LABEL ${RECIPE_LABEL}=${recipeKey(recipe)}`,
    `LABEL ${SIMULATOR_LABEL}=${recipe.simulator}`,
    'CMD ["/bin/bash"]',
  ];
}
