import path from 'node:path';
import { instancePaths, LAUNCH_CFG } from '../instances/layout.js';

export interface LaunchServer {
  id: number;
  port: number;
  /** The swarm nodes it may run on (their `l4d2web.node` label); '' or absent: any. */
  node?: string;
}

export interface LaunchBlueprint {
  arguments: string[];
  config: string[];
  /** Cores and MB the docker and swarm runtimes hold the server to; null or absent: no limit. */
  cpu_limit?: number | null;
  memory_limit_mb?: number | null;
}

/** CPU and memory a server may use (blueprint `cpu_limit`, `memory_limit_mb`); null: no limit. */
export interface ResourceLimits {
  cpuCores: number | null;
  memoryMb: number | null;
}

export interface LaunchSettings {
  dataDir: string;
  srcdsDir: string;
  rconPassword: string;
}

export interface LaunchPlan {
  /** The instance's srcds_run: a link to the install's, run from the instance (design/hardening.md). */
  command: string;
  args: string[];
  /** The working directory: the instance's game root. */
  cwd: string;
  /** The shared install the instance mirrors. */
  installDir: string;
  /** The instance's `left4dead2/cfg/l4d2web.cfg`, which `+exec` runs. */
  cfgPath: string;
  cfgText: string;
  /** For the container runtimes; the process runtime cannot apply them. */
  limits: ResourceLimits;
  /** The swarm node label to place it by ('' = any node). */
  node: string;
}

/** The panel gives server P the client port P - 10 (LinuxGSM's convention: 27015 -> 27005). */
export function clientPortFor(port: number): number {
  return port - 10;
}

export function buildLaunchPlan(
  server: LaunchServer,
  blueprint: LaunchBlueprint,
  settings: LaunchSettings,
): LaunchPlan {
  const instance = instancePaths(settings.dataDir, server.id);
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
    LAUNCH_CFG,
    ...blueprint.arguments,
  ];
  // The password lives only in the cfg file: argv is readable by every user of the host via /proc.
  const cfgLines = [
    ...blueprint.config,
    '// Managed by l4d2web: the lines below are rewritten on every start.',
    `rcon_password "${settings.rconPassword}"`,
  ];
  return {
    command: path.join(instance.game, 'srcds_run'),
    args,
    cwd: instance.game,
    installDir: settings.srcdsDir,
    cfgPath: instance.launchCfg,
    cfgText: `${cfgLines.join('\n')}\n`,
    limits: { cpuCores: blueprint.cpu_limit ?? null, memoryMb: blueprint.memory_limit_mb ?? null },
    node: server.node ?? '',
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
