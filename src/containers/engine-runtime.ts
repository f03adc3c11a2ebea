import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import { consoleLogPath } from '../config/paths.js';
import type { LaunchPlan } from '../launch/plan.js';
import type { ResourceUsage } from '../supervisor/control.js';
import { LaunchError, type Runtime, type RuntimeHandle } from '../supervisor/runtime.js';
import { ConsoleCopy, resumePoint } from './console-copy.js';
import { engineProblem, engineStatus } from './engine.js';
import { type EngineHandle, prepareLaunch } from './handle.js';
import { type ContainerSettings, containerName, PANEL_LABEL, withExistingSharedDirs } from './spec.js';

export interface EngineRuntimeOptions {
  docker: Docker;
  dataDir: string;
  settings: ContainerSettings;
}

/** What the `docker` and `swarm` runtimes share: the launch's checks and refusals, the engine. */
export abstract class EngineRuntime implements Runtime {
  protected closed = false;

  constructor(protected readonly options: EngineRuntimeOptions) {}

  protected get docker(): Docker {
    return this.options.docker;
  }

  /** Checks the install, writes the cfg, then starts; an engine that fails says why in last_error. */
  async launch(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle> {
    await prepareLaunch(plan, this.options.dataDir, serverId);
    try {
      await this.refuseForeign(serverId);
      return await this.start(serverId, plan);
    } catch (error) {
      if (error instanceof LaunchError) throw error;
      throw new LaunchError(engineProblem(error));
    }
  }

  /** The settings for a launch now: the shared directories that exist. */
  protected launchSettings(): ContainerSettings {
    return withExistingSharedDirs(this.options.settings, existsSync);
  }

  /** Starts the server's container or service (or takes over one of its own that still runs). */
  protected abstract start(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle>;

  /** Where servers run ("Docker engine", "swarm"), what runs one ("container", "service"). */
  protected abstract readonly where: string;
  protected abstract readonly noun: string;
  /** The labels of the engine's object of this name (rejects with the engine's 404 when there is none). */
  protected abstract labelsOf(name: string): Promise<Record<string, string> | undefined>;

  /** Refuses when the engine holds an object of the server's name that this panel did not make. */
  private async refuseForeign(serverId: number): Promise<void> {
    const name = containerName(serverId);
    const labels = await this.labelsOf(name).catch((error) => {
      if (engineStatus(error) === 404) return null;
      throw error;
    });
    if (labels !== null && labels?.[PANEL_LABEL] !== this.options.settings.panelId) {
      throw new LaunchError(
        `the ${this.where} holds a ${this.noun} named ${name} that this panel did not make: remove it`,
      );
    }
  }

  /**
   * Copies the log stream `open` opens into the server's console.log; an adopted server's from where the
   * log file ended (a panel restart in between), a launched one's from its start.
   */
  protected async copyLogs(
    handle: EngineHandle,
    open: (options: Docker.ContainerLogsOptions) => Promise<unknown>,
  ): Promise<void> {
    const logPath = consoleLogPath(this.options.dataDir, handle.serverId);
    const resume = handle.adopted ? await resumePoint(logPath) : { after: '', since: '0' };
    try {
      const options = { follow: true, stdout: true, stderr: true, timestamps: true, since: resume.since };
      const stream = (await open(options as unknown as Docker.ContainerLogsOptions)) as NodeJS.ReadableStream;
      handle.copy = new ConsoleCopy(stream, logPath, resume.after);
    } catch {
      // Already gone: its end is noticed and told without the last lines.
    }
  }

  abstract adopt(serverId: number): Promise<RuntimeHandle | null>;
  abstract signal(handle: RuntimeHandle, signal: NodeJS.Signals): void;
  abstract forget(serverId: number): Promise<void>;
  abstract close(): void;
  abstract usage(serverId: number): Promise<ResourceUsage | null>;
}
