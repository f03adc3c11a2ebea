import { shellQuote } from '../launch/plan.js';
import { APP_ID } from './builds.js';

/**
 * SteamCMD's command lines (design/install.md). Since late 2024 an anonymous Linux `app_update
 * 222860` of a missing install fails with `Invalid platform`; forcing the Windows platform for a
 * first `app_update`, then Linux for a validating one, works.
 */

function prelude(srcdsDir: string): string[] {
  // force_install_dir before login, as SteamCMD asks; no password prompt, stop at the first failure.
  return ['+@NoPromptForPassword', '1', '+@ShutdownOnFailedCommand', '1', '+force_install_dir', srcdsDir];
}

/** Installs from nothing: the Windows-then-Linux bootstrap. */
export function bootstrapArgs(srcdsDir: string): string[] {
  return [
    ...prelude(srcdsDir),
    '+login',
    'anonymous',
    '+@sSteamCmdForcePlatformType',
    'windows',
    '+app_update',
    APP_ID,
    '+@sSteamCmdForcePlatformType',
    'linux',
    '+app_update',
    APP_ID,
    'validate',
    '+quit',
  ];
}

/** Updates (and validates) an install. */
export function updateArgs(srcdsDir: string): string[] {
  return [...prelude(srcdsDir), '+login', 'anonymous', '+app_update', APP_ID, 'validate', '+quit'];
}

/** Asks Steam for the app's current builds; prints its VDF. */
export function appInfoArgs(): string[] {
  return [
    '+@NoPromptForPassword',
    '1',
    '+login',
    'anonymous',
    '+app_info_update',
    '1',
    '+app_info_print',
    APP_ID,
    '+quit',
  ];
}

/** The command as a person would type it (the job's log and the README show it). */
export function commandText(program: string, args: readonly string[]): string {
  return [program, ...args].map(shellQuote).join(' ');
}
