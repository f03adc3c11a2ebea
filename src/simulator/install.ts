import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Present in every simulated install, so nobody mistakes it for the real game. */
export const SIMULATED_MARKER = 'l4d2web-simulated-install.txt';

/**
 * A compiled program's entry point, `dist/<folder>/main.js`. From dist/ it sits beside this file's
 * folder; when this file runs from src/ (under vitest), it is the dist/ equivalent, which `npm run
 * build` produces.
 */
export function builtEntryPoint(folder: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dist =
    path.basename(path.dirname(here)) === 'src' ? path.resolve(here, '..', '..', 'dist') : path.dirname(here);
  return path.join(dist, folder, 'main.js');
}

/** Quotes a word for sh (the simulator stands alone: it imports nothing of the panel's launch code). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The compiled srcds simulator. */
export function simulatorMainPath(): string {
  return builtEntryPoint('simulator');
}

/**
 * The install's own copy of the compiled simulator: srcds_run runs it from there, so a container that
 * sees only the install and the instance (the docker runtime) runs it too. The simulator imports the
 * RCON framing from ../rcon and the VPK reader from ../vpk (it mounts addons), hence the three folders;
 * package.json makes Node read them as ES modules. test/simulator/bundle.test.ts checks the list.
 */
export const SIMULATOR_BUNDLE = 'l4d2web-simulator';
export const BUNDLED_FOLDERS = ['simulator', 'rcon', 'vpk'];

/**
 * Like Valve's srcds_run, the game root is where the script was called from: `dirname $0`, then `pwd`,
 * which leaves links unresolved, so a linked srcds_run in an instance directory runs that instance.
 * Node.js is the one that laid the install out, else the one on PATH (inside a container image, whose
 * Node.js is Debian's). `exec` keeps the pid: the supervisor tracks srcds_run's pid, which must be the
 * simulator itself.
 */
export function srcdsRunScript(nodePath: string): string {
  return [
    '#!/bin/sh',
    '# l4d2web simulated srcds install: runs the srcds simulator instead of Left 4 Dead 2.',
    'ROOTDIR=$(cd "$(dirname "$0")" && pwd) || exit 1',
    'cd "$ROOTDIR" || exit 1',
    '# No core dumps from simulated crashes.',
    'ulimit -c 0 2>/dev/null',
    `NODE=${shellQuote(nodePath)}`,
    '[ -x "$NODE" ] || NODE=node',
    `exec "$NODE" "$ROOTDIR/${SIMULATOR_BUNDLE}/simulator/main.js" --root "$ROOTDIR" "$@"`,
    '',
  ].join('\n');
}

/** Copies the compiled simulator into `<install>/l4d2web-simulator`, replacing an older copy whole. */
async function copySimulatorBundle(root: string, distDir: string): Promise<void> {
  const target = path.join(root, SIMULATOR_BUNDLE);
  const staging = `${target}.new-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  for (const folder of BUNDLED_FOLDERS) {
    await mkdir(path.join(staging, folder), { recursive: true });
    const files = (await readdir(path.join(distDir, folder))).filter((name) => name.endsWith('.js'));
    for (const file of files)
      await copyFile(path.join(distDir, folder, file), path.join(staging, folder, file));
  }
  await writeFile(path.join(staging, 'package.json'), '{ "type": "module" }\n');
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
}

const SERVER_CFG = `// server.cfg of a simulated install; L4D2 runs it after the command line when the map loads.
`;

/** Lays out a fake srcds install in dir. Idempotent; an existing server.cfg is kept. */
export async function layOutSimulatedInstall(dir: string): Promise<void> {
  const mainPath = simulatorMainPath();
  if (!existsSync(mainPath)) {
    throw new Error(`srcds simulator not built: ${mainPath} is missing (run npm run build)`);
  }
  const root = path.resolve(dir);
  const cfg = path.join(root, 'left4dead2', 'cfg');
  await mkdir(cfg, { recursive: true });
  await copySimulatorBundle(root, path.dirname(path.dirname(mainPath)));
  const script = path.join(root, 'srcds_run');
  await writeFile(script, srcdsRunScript(process.execPath));
  await chmod(script, 0o755);
  await writeFile(path.join(cfg, 'server.cfg'), SERVER_CFG, { flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  await writeFile(
    path.join(root, SIMULATED_MARKER),
    'This is a simulated srcds install made by l4d2web; srcds_run starts the srcds simulator.\n',
  );
}

export function isSimulatedInstall(dir: string): boolean {
  return existsSync(path.join(dir, SIMULATED_MARKER));
}

/** `l4d2web sim-install DIR`: lays out the install, prints one line, returns the exit code. */
export async function simInstallCommand(args: readonly string[]): Promise<number> {
  const dir = args[0];
  if (dir === undefined || args.length !== 1) {
    process.stderr.write('usage: l4d2web sim-install DIR\n');
    return 2;
  }
  try {
    await layOutSimulatedInstall(dir);
  } catch (error) {
    process.stderr.write(`sim-install: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`simulated srcds install ready in ${path.resolve(dir)}\n`);
  return 0;
}
