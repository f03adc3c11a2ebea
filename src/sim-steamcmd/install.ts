import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtEntryPoint, shellQuote } from '../simulator/install.js';

/** Present in every simulated SteamCMD folder, so nobody mistakes it for Valve's. */
export const SIM_STEAMCMD_MARKER = 'l4d2web-simulated-steamcmd.txt';
export const SIM_STEAMCMD_PROGRAM = 'steamcmd.sh';

/**
 * Like Valve's steamcmd.sh, the script finds its folder and runs the program as its child (not
 * `exec`): ending SteamCMD means ending its process group, not just the script's pid.
 */
export function steamcmdScript(nodePath: string, mainPath: string): string {
  return [
    '#!/bin/sh',
    '# l4d2web SteamCMD simulator: behaves like steamcmd.sh for the panel, downloads nothing.',
    'STEAMROOT=$(cd "$(dirname "$0")" && pwd) || exit 1',
    `${shellQuote(nodePath)} ${shellQuote(mainPath)} --dir "$STEAMROOT" "$@"`,
    'exit $?',
    '',
  ].join('\n');
}

/** Lays the SteamCMD simulator out in dir (idempotent); returns the program to use as STEAMCMD. */
export async function layOutSimSteamcmd(dir: string): Promise<string> {
  const mainPath = builtEntryPoint('sim-steamcmd');
  if (!existsSync(mainPath)) {
    throw new Error(`SteamCMD simulator not built: ${mainPath} is missing (run npm run build)`);
  }
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const program = path.join(root, SIM_STEAMCMD_PROGRAM);
  await writeFile(program, steamcmdScript(process.execPath, mainPath));
  await chmod(program, 0o755);
  await writeFile(
    path.join(root, SIM_STEAMCMD_MARKER),
    'This is a simulated SteamCMD made by l4d2web; steamcmd.sh lays out a simulated srcds install.\n',
  );
  return program;
}

/** `l4d2web sim-steamcmd DIR`: lays the simulator out, prints how to use it, returns the exit code. */
export async function simSteamcmdCommand(args: readonly string[]): Promise<number> {
  const dir = args[0];
  if (dir === undefined || args.length !== 1) {
    process.stderr.write('usage: l4d2web sim-steamcmd DIR\n');
    return 2;
  }
  let program: string;
  try {
    program = await layOutSimSteamcmd(dir);
  } catch (error) {
    process.stderr.write(`sim-steamcmd: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`simulated SteamCMD ready: STEAMCMD=${program}\n`);
  return 0;
}
