import { constants } from 'node:fs';
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { serverDataDir } from '../config/paths.js';
import type { LaunchPlan } from '../launch/plan.js';
import type { ResourceUsage } from '../supervisor/control.js';
import { missingInstallMessage } from '../supervisor/process-runtime.js';
import { LaunchError, type RuntimeHandle } from '../supervisor/runtime.js';
import type { ConsoleCopy } from './console-copy.js';
import type { ContainerExit } from './exit.js';
import { type EngineLimits, resourceUsage, type StatsSample } from './usage.js';

/** A server's container (or a swarm service's task), launched or adopted. */
export class EngineHandle implements RuntimeHandle {
  private alive = true;
  private resolveExit!: (exit: ContainerExit) => void;
  readonly exited = new Promise<ContainerExit>((resolve) => {
    this.resolveExit = resolve;
  });
  /** Aborted when the panel stops watching (it never stops the server). */
  readonly watching = new AbortController();
  copy: ConsoleCopy | null = null;
  private lastStats: StatsSample | null = null;
  private lastUsage: { at: number; usage: Promise<ResourceUsage | null> } | null = null;

  constructor(
    readonly serverId: number,
    /** The container, when this engine runs it (a swarm task may run on another node). */
    readonly containerId: string | null,
    /** Its init process, on the host that runs it. */
    readonly pid: number,
    readonly launchedAt: number,
    readonly adopted: boolean,
    readonly limits: EngineLimits,
    /** Where A2S and RCON reach it. */
    readonly host = '127.0.0.1',
  ) {}

  isAlive(): boolean {
    return this.alive;
  }

  get memoryLimitBytes(): number | null {
    return this.limits.memoryBytes;
  }

  finish(exit: ContainerExit): void {
    if (!this.alive) return;
    this.alive = false;
    this.watching.abort();
    this.resolveExit(exit);
  }

  /**
   * Live CPU and memory from the engine's stats (one sample a call; CPU from the sample before).
   * Callers within SAMPLE_MS of the last sample share it: with several viewers of one server the
   * engine is asked once, and CPU is never worked out over the few ms between two viewers' calls.
   */
  async usage(docker: Docker): Promise<ResourceUsage | null> {
    if (!this.alive || !this.containerId) return null;
    const now = Date.now();
    if (this.lastUsage && now - this.lastUsage.at < SAMPLE_MS) return this.lastUsage.usage;
    const usage = this.sample(docker, this.containerId);
    this.lastUsage = { at: now, usage };
    return usage;
  }

  private async sample(docker: Docker, containerId: string): Promise<ResourceUsage | null> {
    try {
      const options = { stream: false, 'one-shot': true } as object;
      const sample = (await docker.getContainer(containerId).stats(options)) as StatsSample;
      const usage = resourceUsage(sample, this.lastStats, this.limits);
      this.lastStats = sample;
      return usage;
    } catch {
      return null;
    }
  }
}

/** How long one stats sample answers every caller (a viewer asks every 5 s: src/servers/events-route.ts). */
export const SAMPLE_MS = 2_000;

/** Checks the install has srcds_run and writes the instance's cfg (0600: it holds the RCON password). */
export async function prepareLaunch(plan: LaunchPlan, dataDir: string, serverId: number): Promise<void> {
  try {
    await access(plan.command, constants.F_OK);
  } catch {
    throw new LaunchError(missingInstallMessage(plan.installDir));
  }
  await mkdir(serverDataDir(dataDir, serverId), { recursive: true });
  await writeFile(plan.cfgPath, plan.cfgText, { mode: 0o600 });
  await chmod(plan.cfgPath, 0o600);
}

export function missingImageMessage(image: string, where = 'in the Docker engine'): string {
  return `the image ${image} is missing ${where}: build it with "l4d2web image build" (SRCDS_IMAGE)`;
}
