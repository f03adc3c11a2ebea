import path from 'node:path';

export interface LaunchServer {
  id: number;
  port: number;
}

export interface LaunchBlueprint {
  arguments: string[];
  config: string[];
}

export interface LaunchSettings {
  srcdsDir: string;
  rconPassword: string;
}

export interface LaunchPlan {
  command: string;
  args: string[];
  /** Absolute path the panel writes the generated cfg to. */
  cfgPath: string;
  /** The same file relative to `left4dead2/cfg/`, as `+exec` wants it. */
  cfgRelative: string;
  cfgText: string;
}

/** The panel gives server P the client port P - 10 (LinuxGSM's convention: 27015 -> 27005). */
export function clientPortFor(port: number): number {
  return port - 10;
}

export function cfgRelativeFor(serverId: number): string {
  return `l4d2web/server-${serverId}.cfg`;
}

export function buildLaunchPlan(
  server: LaunchServer,
  blueprint: LaunchBlueprint,
  settings: LaunchSettings,
): LaunchPlan {
  const cfgRelative = cfgRelativeFor(server.id);
  const args = [
    '-game',
    'left4dead2',
    '-norestart',
    '-strictportbind',
    '-port',
    String(server.port),
    '+clientport',
    String(clientPortFor(server.port)),
    '-nohltv',
    '+exec',
    cfgRelative,
    ...blueprint.arguments,
  ];
  // The password lives only in the cfg file: argv is readable by every user of the host via /proc.
  const cfgLines = [
    ...blueprint.config,
    '// Managed by l4d2web: the lines below are rewritten on every start.',
    `rcon_password "${settings.rconPassword}"`,
  ];
  return {
    command: path.posix.join(settings.srcdsDir, 'srcds_run'),
    args,
    cfgPath: path.posix.join(settings.srcdsDir, 'left4dead2', 'cfg', cfgRelative),
    cfgRelative,
    cfgText: `${cfgLines.join('\n')}\n`,
  };
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX shell quoting, so the line shown in the UI can be pasted into a terminal as is. */
export function shellQuote(word: string): string {
  if (SHELL_SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command line as shown in the UI; the rcon password is never part of argv, so never shown. */
export function displayLaunchLine(plan: LaunchPlan): string {
  return [plan.command, ...plan.args].map(shellQuote).join(' ');
}
