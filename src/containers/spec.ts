import type Docker from 'dockerode';
import type { LaunchPlan, ResourceLimits } from '../launch/plan.js';

/**
 * What the engine is asked for, as pure functions of the server's launch plan: the container of the
 * `docker` runtime and the service of the `swarm` runtime (design/runtimes.md).
 */

export interface ContainerSettings {
  /** SRCDS_IMAGE. */
  image: string;
  /** This panel's id: its containers carry it, so another panel's are never adopted or removed. */
  panelId: string;
  /** `uid:gid` the game server runs as: the panel's, so what it writes in its instance stays the panel's. */
  user: string;
  /** The engine's stop: SIGTERM, then SIGKILL after this long. */
  stopGraceSeconds: number;
  /**
   * Directories of the panel that instances link into besides the install (the addons' store,
   * `$DATA_DIR/addons`), mounted read-only at their own paths; those that exist at the launch.
   */
  sharedDirs?: string[];
}

export const SERVER_ID_LABEL = 'l4d2web.server_id';
export const PANEL_LABEL = 'l4d2web.panel';
/** A swarm node's label that places servers (the server's `node` field). */
export const NODE_LABEL = 'l4d2web.node';
/** A swarm node's label with the address game clients, A2S and RCON reach it at. */
export const ADDRESS_LABEL = 'l4d2web.address';

export function containerName(serverId: number): string {
  return `l4d2web-server-${serverId}`;
}

export function serverLabels(serverId: number, panelId: string): Record<string, string> {
  return { [SERVER_ID_LABEL]: String(serverId), [PANEL_LABEL]: panelId };
}

/** The engine's label filter for one server of this panel, or all of them. */
export function labelFilter(panelId: string, serverId?: number): { label: string[] } {
  const label = [`${PANEL_LABEL}=${panelId}`];
  if (serverId !== undefined) label.push(`${SERVER_ID_LABEL}=${serverId}`);
  return { label };
}

/**
 * The install (and the shared directories) read-only and the instance read-write, at the paths they
 * have on the host: the instance's links point into them by absolute path, and srcds_run runs from
 * the instance.
 */
export function serverMounts(plan: LaunchPlan, sharedDirs: string[] = []): Docker.MountSettings[] {
  const bind = (dir: string, readOnly: boolean): Docker.MountSettings => ({
    Type: 'bind',
    Source: dir,
    Target: dir,
    ReadOnly: readOnly,
  });
  return [...[plan.installDir, ...sharedDirs].map((dir) => bind(dir, true)), bind(plan.cwd, false)];
}

/** The settings with only the shared directories that exist (a bind mount of a missing one fails). */
export function withExistingSharedDirs(
  settings: ContainerSettings,
  exists: (dir: string) => boolean,
): ContainerSettings {
  return { ...settings, sharedDirs: (settings.sharedDirs ?? []).filter(exists) };
}

const MEBIBYTE = 1024 * 1024;

export function memoryBytes(limits: ResourceLimits): number | undefined {
  return limits.memoryMb === null ? undefined : limits.memoryMb * MEBIBYTE;
}

export function nanoCpus(limits: ResourceLimits): number | undefined {
  return limits.cpuCores === null ? undefined : Math.round(limits.cpuCores * 1e9);
}

/** The engine's json-file log, bounded: the panel copies it into console.log as it comes. */
const LOG_OPTIONS = { 'max-size': '10m', 'max-file': '2' };

/** /tmp in memory: the root file system is read-only, HOME points here (Steam's client files). */
const TMPFS_OPTIONS = 'rw,nosuid,nodev,size=256m';

/**
 * One container per server: host networking (srcds advertises its own port), no restart policy
 * (the supervisor decides), an init process (signals reach srcds_run, zombies are reaped), a
 * read-only root file system, no capabilities, the blueprint's limits and no swap beyond them.
 */
export function containerOptions(
  serverId: number,
  plan: LaunchPlan,
  settings: ContainerSettings,
): Docker.ContainerCreateOptions {
  const { limits } = plan;
  const memory = memoryBytes(limits);
  return {
    name: containerName(serverId),
    Image: settings.image,
    Entrypoint: [plan.command],
    Cmd: plan.args,
    WorkingDir: plan.cwd,
    User: settings.user,
    Env: ['HOME=/tmp'],
    Labels: serverLabels(serverId, settings.panelId),
    StopSignal: 'SIGTERM',
    StopTimeout: settings.stopGraceSeconds,
    HostConfig: {
      NetworkMode: 'host',
      RestartPolicy: { Name: 'no' },
      Init: true,
      Mounts: serverMounts(plan, settings.sharedDirs),
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': TMPFS_OPTIONS },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: nanoCpus(limits),
      LogConfig: { Type: 'json-file', Config: LOG_OPTIONS },
    },
  };
}

/**
 * One service per server: one replica, never restarted by the swarm, on the host's network, the
 * same mounts and limits as a container, placed on the nodes labelled `l4d2web.node=<node>` when the
 * server names one.
 */
export function serviceSpec(
  serverId: number,
  plan: LaunchPlan,
  settings: ContainerSettings,
): Docker.CreateServiceOptions {
  const { limits, node } = plan;
  const labels = serverLabels(serverId, settings.panelId);
  return {
    Name: containerName(serverId),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: settings.image,
        Labels: labels,
        Command: [plan.command],
        Args: plan.args,
        Dir: plan.cwd,
        User: settings.user,
        Env: ['HOME=/tmp'],
        Init: true,
        ReadOnly: true,
        Mounts: [
          ...serverMounts(plan, settings.sharedDirs),
          {
            Type: 'tmpfs',
            Target: '/tmp',
            TmpfsOptions: { SizeBytes: 256 * MEBIBYTE },
          } as Docker.MountSettings,
        ],
        CapabilityDrop: ['ALL'],
        StopSignal: 'SIGTERM',
        StopGracePeriod: settings.stopGraceSeconds * 1e9,
      },
      Resources: { Limits: { NanoCPUs: nanoCpus(limits), MemoryBytes: memoryBytes(limits) } },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: node ? [`node.labels.${NODE_LABEL}==${node}`] : [] },
      Networks: [{ Target: 'host' }],
      LogDriver: { Name: 'json-file', Options: LOG_OPTIONS },
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}
