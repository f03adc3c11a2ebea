import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { consoleLogPath } from '../config/paths.js';
import { displayLaunchLine, type LaunchPlan } from '../launch/plan.js';
import { appendConsoleNote } from '../supervisor/console-log.js';
import type { ResourceUsage } from '../supervisor/control.js';
import { LaunchError, type RuntimeHandle } from '../supervisor/runtime.js';
import { engineMessage, engineProblem, engineStatus } from './engine.js';
import { EngineRuntime } from './engine-runtime.js';
import { containerExit } from './exit.js';
import { EngineHandle, missingImageMessage } from './handle.js';
import { type ContainerSettings, containerName, containerOptions, labelFilter } from './spec.js';

/**
 * The `docker` runtime: one container per server (src/containers/spec.ts), its log stream copied
 * into console.log, its exit (code, OOM kill) read from the engine, then the container removed.
 * Containers outlive the panel; the next one adopts them by label.
 */
export class DockerRuntime extends EngineRuntime {
  private readonly handles = new Map<number, EngineHandle>();
  protected readonly where = 'Docker engine';
  protected readonly noun = 'container';

  protected async labelsOf(name: string): Promise<Record<string, string> | undefined> {
    return (await this.docker.getContainer(name).inspect()).Config.Labels;
  }

  protected async start(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle> {
    const { settings, dataDir } = this.options;
    const logPath = consoleLogPath(dataDir, serverId);
    // Never a second container: one of this server's that still runs (its panel lost track of it,
    // e.g. the engine was unreachable when the panel started) is taken over instead.
    const running = (await this.containersOf(serverId)).find((summary) => summary.State === 'running');
    if (running) {
      await appendConsoleNote(
        logPath,
        `taking over the container ${containerName(serverId)} that still runs`,
      );
      return this.follow(serverId, this.docker.getContainer(running.Id));
    }
    await this.removeContainers(serverId);
    await appendConsoleNote(
      logPath,
      `launching in container ${containerName(serverId)} (${settings.image}): ${displayLaunchLine(plan)}`,
    );
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(containerOptions(serverId, plan, this.launchSettings()));
    } catch (error) {
      if (engineStatus(error) === 404) throw new LaunchError(missingImageMessage(settings.image));
      throw error;
    }
    const launchedAt = Date.now();
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new LaunchError(`the container did not start: ${engineMessage(error)}`);
    }
    return this.watch(serverId, container, launchedAt, false);
  }

  async adopt(serverId: number): Promise<RuntimeHandle | null> {
    let found: Docker.ContainerInfo[];
    try {
      found = await this.containersOf(serverId);
    } catch (error) {
      // The engine is away: the server is launched anew (or taken over, see launch) once it is back.
      console.error(
        `docker runtime: cannot look for server ${serverId}'s container: ${engineProblem(error)}`,
      );
      return null;
    }
    // The running one; else one that exited while no panel watched (its exit and OOM kill are still
    // there to read). Anything else (created, never started; a duplicate) goes.
    const rank = (state: string) => ['running', 'exited', 'dead'].indexOf(state);
    const chosen = found.filter((c) => rank(c.State) >= 0).sort((a, b) => rank(a.State) - rank(b.State))[0];
    for (const summary of found) {
      if (summary !== chosen)
        await this.docker
          .getContainer(summary.Id)
          .remove({ force: true })
          .catch(() => undefined);
    }
    return chosen ? this.follow(serverId, this.docker.getContainer(chosen.Id)) : null;
  }

  /** Watches a container an earlier panel started. */
  private async follow(serverId: number, container: Docker.Container): Promise<EngineHandle> {
    const info = await container.inspect();
    return this.watch(serverId, container, Date.parse(info.State.StartedAt), true, info);
  }

  signal(handle: RuntimeHandle, signal: NodeJS.Signals): void {
    const { containerId } = handle as EngineHandle;
    if (handle.isAlive() && containerId)
      signalContainer(this.docker, containerId, signal, this.options.settings);
  }

  async forget(serverId: number): Promise<void> {
    await this.removeContainers(serverId);
  }

  close(): void {
    this.closed = true;
    for (const handle of this.handles.values()) {
      handle.watching.abort();
      handle.copy?.close();
    }
    this.handles.clear();
  }

  /** Live CPU and memory of a running server's container, or null. */
  usage(serverId: number): Promise<ResourceUsage | null> {
    return this.handles.get(serverId)?.usage(this.docker) ?? Promise.resolve(null);
  }

  /** Follows a started container: its log into console.log, its end into the handle. */
  private async watch(
    serverId: number,
    container: Docker.Container,
    launchedAt: number,
    adopted: boolean,
    known?: Docker.ContainerInspectInfo,
  ): Promise<EngineHandle> {
    const info = known ?? (await container.inspect());
    const handle = new EngineHandle(serverId, info.Id, info.State.Pid, launchedAt, adopted, {
      memoryBytes: info.HostConfig.Memory || null,
      nanoCpus: info.HostConfig.NanoCpus || null,
    });
    this.handles.set(serverId, handle);
    await this.copyLogs(handle, (options) => container.logs({ ...options, follow: true }));
    void this.awaitExit(handle, container);
    return handle;
  }

  private async awaitExit(handle: EngineHandle, container: Docker.Container): Promise<void> {
    let state: Docker.ContainerInspectInfo['State'] | null = null;
    for (;;) {
      await container
        .wait({ condition: 'not-running', abortSignal: handle.watching.signal })
        .catch(() => undefined);
      if (this.closed || handle.watching.signal.aborted) return;
      try {
        const info = await container.inspect();
        if (!info.State.Running) {
          state = info.State;
          break;
        }
      } catch (error) {
        if (engineStatus(error) === 404) break;
      }
      // The engine went away or restarted: look again shortly.
      await sleep(1_000);
    }
    if (handle.copy) await Promise.race([handle.copy.finished, sleep(2_000)]);
    if (this.handles.get(handle.serverId) === handle) this.handles.delete(handle.serverId);
    await container.remove({ force: true }).catch(() => undefined);
    handle.finish(
      state ? containerExit(state, handle.memoryLimitBytes) : { code: null, signal: null, known: false },
    );
  }

  private containersOf(serverId: number): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: labelFilter(this.options.settings.panelId, serverId),
    });
  }

  private async removeContainers(serverId: number): Promise<void> {
    const found = await this.containersOf(serverId).catch(() => []);
    await Promise.all(
      found.map((summary) =>
        this.docker
          .getContainer(summary.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
}

/** SIGTERM is the engine's stop (SIGTERM, then SIGKILL after the grace period); others go as they are. */
export function signalContainer(
  docker: Docker,
  containerId: string,
  signal: NodeJS.Signals,
  settings: ContainerSettings,
): void {
  const container = docker.getContainer(containerId);
  const sent =
    signal === 'SIGTERM' ? container.stop({ t: settings.stopGraceSeconds }) : container.kill({ signal });
  sent.catch(() => undefined);
}
