import { METAMOD_VERSION, type MountedAddons, type Plugin, SOURCEMOD_VERSION } from './addons.js';

/**
 * The console commands Metamod:Source (`meta`) and SourceMod (`sm`, `sm_reloadadmins`) add, with
 * their replies' shape. Without them loaded, srcds knows none of these (the caller answers
 * `Unknown command`).
 */

const BUILT = 'Jan  1 2025 00:00:00';

function metaVersion(): string {
  return [
    ' Metamod:Source Version Information',
    `    Metamod:Source version ${METAMOD_VERSION}`,
    '    Plugin interface version: 16:14',
    '    SourceHook version: 5:5',
    '    Loaded As: Valve Server Plugin',
    `    Compiled on: ${BUILT}`,
    '    Built from: https://github.com/alliedmodders/metamod-source/commit/simulated',
    `    Build ID: ${METAMOD_VERSION.split('+')[1]}:simulated`,
    '    http://www.metamodsource.net/',
    '',
  ].join('\n');
}

function metaList(addons: MountedAddons): string {
  if (!addons.sourcemod) return 'No plugins loaded.\n';
  return `Listing 1 plugin:\n  [01] SourceMod (${SOURCEMOD_VERSION}) by AlliedModders LLC\n`;
}

/** `meta ...`: Metamod:Source's menu. */
export function metaCommand(args: string[], addons: MountedAddons): string {
  switch ((args[0] ?? '').toLowerCase()) {
    case 'version':
      return metaVersion();
    case 'list':
      return metaList(addons);
    default:
      return [
        'Metamod:Source Menu',
        'usage: meta <command> [arguments]',
        '  clear        - Unload all plugins forcefully',
        '  cmds         - Show plugin commands',
        '  cvars        - Show plugin cvars',
        '  credits      - About Metamod:Source',
        '  game         - Information about GameDLL',
        '  info         - Information about a plugin',
        '  list         - List plugins',
        '  load         - Load a plugin',
        '  refresh      - Reparse plugin files',
        '  unload       - Unload a loaded plugin',
        '  version      - Version information',
        '',
      ].join('\n');
  }
}

function smVersion(): string {
  return [
    ' SourceMod Version Information:',
    `    SourceMod Version: ${SOURCEMOD_VERSION}`,
    `    SourcePawn Engine: ${SOURCEMOD_VERSION}, jit-x86 (build ${SOURCEMOD_VERSION})`,
    '    SourcePawn API: v1 = 5, v2 = 16',
    `    Compiled on: ${BUILT}`,
    '    Built from: https://github.com/alliedmodders/sourcemod/commit/simulated',
    `    Build ID: ${SOURCEMOD_VERSION.split('.').pop()}:simulated`,
    '    http://www.sourcemod.net/',
    '',
  ].join('\n');
}

function pluginsList(plugins: readonly Plugin[]): string {
  const loaded = plugins.filter((plugin) => plugin.valid);
  const failed = plugins.filter((plugin) => !plugin.valid);
  const lines =
    loaded.length === 0
      ? ['[SM] No plugins loaded']
      : [
          `[SM] Listing ${loaded.length} plugin${loaded.length === 1 ? '' : 's'}:`,
          ...loaded.map((plugin, index) => `  ${String(index + 1).padStart(2, '0')} "${plugin.file}"`),
        ];
  if (failed.length > 0)
    lines.push(
      'Errors:',
      ...failed.map((plugin) => `  ${plugin.file}: Error: Invalid file format (corrupt plugin)`),
    );
  return `${lines.join('\n')}\n`;
}

/** `sm ...`: SourceMod's menu (what the panel's SourceMod card asks, and its usage otherwise). */
export function smCommand(args: string[], addons: MountedAddons): string {
  const [sub = '', action = ''] = args.map((arg) => arg.toLowerCase());
  if (sub === 'version') return smVersion();
  if (sub === 'plugins' && action === 'list') return pluginsList(addons.plugins);
  if (sub === 'plugins')
    return '[SM] Usage: sm plugins <command> [arguments]\n    list             - Show loaded plugins\n';
  return [
    'SourceMod Menu:',
    'Usage: sm <command> [arguments]',
    '    cmds             - List console commands',
    '    config           - Set core configuration options',
    '    credits          - Display credits listing',
    '    exts             - Manage extensions',
    '    plugins          - Manage Plugins',
    '    prof             - Profiling',
    '    version          - Display version information',
    '',
  ].join('\n');
}

export const RELOADED_ADMINS = '[SM] Admin cache has been refreshed.\n';
