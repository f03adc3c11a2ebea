import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { consoleLogPath } from '../config/paths.js';
import { displayLaunchLine, type LaunchPlan } from '../launch/plan.js';
import { appendConsoleNote } from '../supervisor/console-log.js';
import type { ResourceUsage } from '../supervisor/control.js';
import { LaunchError, type RuntimeHandle } from '../supervisor/runtime.js';
import { signalContainer } from './docker-runtime.js';
import { engineProblem, engineStatus } from './engine.js';
import { EngineRuntime, type EngineRuntimeOptions } from './engine-runtime.js';
import { type ContainerExit, containerExit } from './exit.js';
import { EngineHandle, missingImageMessage } from './handle.js';
import { containerName, labelFilter, serviceSpec } from './spec.js';
import {
  type NodeView,
  nodeAddress,
  type SwarmNode,
  type SwarmTask,
  swarmNodes,
  TERMINAL_TASK_STATES,
} from './swarm-nodes.js';

export interface SwarmRuntimeOptions extends EngineRuntimeOptions {
  /** How often the tasks of watched services are looked at (the swarm has no exit event). */
  pollMs?: number;
  /** How long a new service may take to have a running task. */
  startTimeoutMs?: number;
}

/** How long a task may wait for a node that fits before the launch is refused. */
const UNPLACEABLE_MS = 5_000;

interface Watched {
  handle: EngineHandle;
  serviceId: string;
  taskId: string;
}

/**
 * The `swarm` runtime: one Docker Swarm service per server (src/containers/spec.ts), on any node or
 * the nodes its `node` field names. The swarm never restarts it (the supervisor decides); its task's
 * end is read from the task list, the OOM kill from the container when it ran on this engine's node.
 */
export class SwarmRuntime extends EngineRuntime {
  readonly remote = true;
  private readonly watched = new Map<number, Watched>();
  private pollTimer: NodeJS.Timeout | undefined;
  protected readonly where = 'swarm';
  protected readonly noun = 'service';

  constructor(protected override readonly options: SwarmRuntimeOptions) {
    super(options);
  }

  protected async labelsOf(name: string): Promise<Record<string, string> | undefined> {
    return ((await this.docker.getService(name).inspect()) as { Spec?: { Labels?: Record<string, string> } })
      .Spec?.Labels;
  }

  protected async start(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle> {
    const { settings, dataDir } = this.options;
    const logPath = consoleLogPath(dataDir, serverId);
    // Never a second service: one of this server's whose task still runs is taken over instead.
    const running = await this.runningService(serverId);
    if (running) {
      await appendConsoleNote(
        logPath,
        `taking over the swarm service ${containerName(serverId)} that still runs`,
      );
      return running;
    }
    await this.forget(serverId);
    const { node } = plan;
    const where = node ? `on a node labelled l4d2web.node=${node}` : 'on any node';
    await appendConsoleNote(
      logPath,
      `launching as swarm service ${containerName(serverId)} (${settings.image}) ${where}: ${displayLaunchLine(plan)}`,
    );
    const created = (await this.docker.createService(
      serviceSpec(serverId, plan, this.launchSettings()),
    )) as unknown as {
      id: string;
    };
    const launchedAt = Date.now();
    const task = await this.firstTask(created.id, node);
    return this.watch(serverId, created.id, task, launchedAt, false);
  }

  async adopt(serverId: number): Promise<RuntimeHandle | null> {
    try {
      return await this.adoptService(serverId, false);
    } catch (error) {
      // The engine is away: the server is launched anew (or taken over, see launch) once it is back.
      console.error(`swarm runtime: cannot look for server ${serverId}'s service: ${engineProblem(error)}`);
      return null;
    }
  }

  private runningService(serverId: number): Promise<EngineHandle | null> {
    return this.adoptService(serverId, true);
  }

  /**
   * Watches this server's service an earlier panel made: its task, or (onlyRunning false) the end of
   * a task that ended while no panel watched. Duplicates and services without a task go.
   */
  private async adoptService(serverId: number, onlyRunning: boolean): Promise<EngineHandle | null> {
    const services = await this.docker.listServices({
      filters: labelFilter(this.options.settings.panelId, serverId),
    });
    const [service, ...duplicates] = services;
    for (const duplicate of duplicates) await this.removeService(duplicate.ID);
    if (!service) return null;
    const task = latestTask(await this.tasksOf([service.ID]), service.ID);
    if (!task) {
      await this.removeService(service.ID);
      return null;
    }
    if (onlyRunning && task.Status.State !== 'running') return null;
    const startedAt = Date.parse(task.Status.Timestamp ?? '') || Date.now();
    return this.watch(serverId, service.ID, task, startedAt, true);
  }

  signal(handle: RuntimeHandle, signal: NodeJS.Signals): void {
    const watched = this.watched.get(handle.serverId);
    if (!handle.isAlive() || watched?.handle !== handle) return;
    const { containerId } = watched.handle;
    if (signal === 'SIGTERM') {
      // The swarm's stop: its task gets SIGTERM, then SIGKILL after the grace period; it ends as `shutdown`.
      void this.scaleToZero(watched.serviceId);
    } else if (containerId) {
      signalContainer(this.docker, containerId, signal, this.options.settings);
    } else if (signal === 'SIGKILL') {
      // On another node: the swarm's own way is all there is.
      void this.removeService(watched.serviceId);
    }
  }

  async forget(serverId: number): Promise<void> {
    const services = await this.docker
      .listServices({ filters: labelFilter(this.options.settings.panelId, serverId) })
      .catch(() => []);
    for (const service of services) await this.removeService(service.ID);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const { handle } of this.watched.values()) {
      handle.watching.abort();
      handle.copy?.close();
    }
    this.watched.clear();
  }

  usage(serverId: number): Promise<ResourceUsage | null> {
    return this.watched.get(serverId)?.handle.usage(this.docker) ?? Promise.resolve(null);
  }

  /** The swarm's nodes and this panel's servers on each. */
  nodes(): Promise<NodeView[]> {
    return swarmNodes(this.docker, this.options.settings.panelId);
  }

  // ---------- launching ----------

  /** Waits for the service's task to run; a task the swarm cannot place or start refuses the launch. */
  private async firstTask(serviceId: string, node: string): Promise<SwarmTask> {
    const started = Date.now();
    const deadline = started + (this.options.startTimeoutMs ?? 60_000);
    let task: SwarmTask | undefined;
    for (;;) {
      task = latestTask(await this.tasksOf([serviceId]), serviceId);
      const state = task?.Status.State;
      if (task && state === 'running') return task;
      if (task && state && TERMINAL_TASK_STATES.has(state)) break;
      if (Date.now() > deadline) break;
      // Still no node for it after a few tries of the scheduler: say so now, not at the timeout.
      if (state === 'pending' && /no suitable node/i.test(task?.Status.Err ?? '')) {
        if (Date.now() - started > UNPLACEABLE_MS) break;
      }
      await sleep(200);
    }
    await this.removeService(serviceId);
    throw new LaunchError(await this.whyNotStarted(task, node));
  }

  private async whyNotStarted(task: SwarmTask | undefined, node: string): Promise<string> {
    const why = task?.Status.Err || task?.Status.Message || 'no task was created';
    if (/no such image/i.test(why)) {
      const host = task?.NodeID ? await this.nodeName(task.NodeID) : 'a node';
      return missingImageMessage(this.options.settings.image, `on swarm node ${host}`);
    }
    if (/no suitable node/i.test(why)) {
      return node
        ? `no swarm node can run it: none labelled l4d2web.node=${node} is ready (${why})`
        : `no swarm node can run it (${why})`;
    }
    return `the swarm did not start it: ${why}`;
  }

  private async nodeName(nodeId: string): Promise<string> {
    const node = (await this.docker
      .getNode(nodeId)
      .inspect()
      .catch(() => null)) as SwarmNode | null;
    return node?.Description?.Hostname ?? nodeId;
  }

  // ---------- watching ----------

  private async watch(
    serverId: number,
    serviceId: string,
    task: SwarmTask,
    launchedAt: number,
    adopted: boolean,
  ): Promise<EngineHandle> {
    const containerId = task.Status.ContainerStatus?.ContainerID ?? '';
    // The container is this engine's when this engine knows it (the task ran on this node).
    const local = containerId
      ? await this.docker
          .getContainer(containerId)
          .inspect()
          .catch(() => null)
      : null;
    const node = (await this.docker
      .getNode(task.NodeID)
      .inspect()
      .catch(() => null)) as SwarmNode | null;
    // The container's own limits when it runs here, else the task's (the same, as the service asked).
    const asked = task.Spec?.Resources?.Limits;
    const limits = {
      memoryBytes: local?.HostConfig.Memory || asked?.MemoryBytes || null,
      nanoCpus: local?.HostConfig.NanoCpus || asked?.NanoCPUs || null,
    };
    const handle = new EngineHandle(
      serverId,
      local ? local.Id : null,
      task.Status.ContainerStatus?.PID ?? 0,
      launchedAt,
      adopted,
      limits,
      node ? nodeAddress(node) : '127.0.0.1',
    );
    this.watched.set(serverId, { handle, serviceId, taskId: task.ID });
    await this.copyLogs(handle, (options) => this.docker.getService(serviceId).logs(options));
    this.pollTimer ??= setInterval(() => void this.poll(), this.options.pollMs ?? 500).unref();
    void this.poll();
    return handle;
  }

  private polling = false;

  /** One look at every watched service's task: an ended task ends its handle. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const watched = [...this.watched.values()];
      if (watched.length === 0) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        return;
      }
      const tasks = await this.tasksOf(watched.map((w) => w.serviceId)).catch(() => null);
      if (!tasks) return;
      for (const w of watched) {
        const task = tasks.find((t) => t.ID === w.taskId);
        const ended = !task || TERMINAL_TASK_STATES.has(task.Status.State);
        if (ended && this.watched.get(w.handle.serverId) === w) void this.ended(w, task);
      }
    } finally {
      this.polling = false;
    }
  }

  private async ended(watched: Watched, task: SwarmTask | undefined): Promise<void> {
    const { handle, serviceId } = watched;
    this.watched.delete(handle.serverId);
    const exit = await this.exitOf(handle, task);
    // The last lines (a crash's "Segmentation fault") land in console.log before the exit is told.
    if (handle.copy) await Promise.race([handle.copy.finished, sleep(1_000)]);
    handle.copy?.close();
    if (!this.closed) await this.removeService(serviceId);
    handle.finish(exit);
  }

  /** The container's own state when it ran here (OOM kill included), else the task's exit code. */
  private async exitOf(handle: EngineHandle, task: SwarmTask | undefined): Promise<ContainerExit> {
    if (handle.containerId) {
      const info = await this.docker
        .getContainer(handle.containerId)
        .inspect()
        .catch(() => null);
      if (info && !info.State.Running) return containerExit(info.State, handle.memoryLimitBytes);
    }
    const code = task?.Status.ContainerStatus?.ExitCode;
    return code === undefined
      ? { code: null, signal: null, known: false }
      : containerExit({ ExitCode: code }, null);
  }

  // ---------- the engine ----------

  private async tasksOf(serviceIds: string[]): Promise<SwarmTask[]> {
    return (await this.docker.listTasks({ filters: { service: serviceIds } })) as SwarmTask[];
  }

  private async scaleToZero(serviceId: string): Promise<void> {
    try {
      const service = this.docker.getService(serviceId);
      const info = (await service.inspect()) as { Version: { Index: number }; Spec: Docker.ServiceSpec };
      await service.update({
        ...info.Spec,
        version: info.Version.Index,
        Mode: { Replicated: { Replicas: 0 } },
      });
    } catch (error) {
      if (engineStatus(error) !== 404) await this.removeService(serviceId);
    }
  }

  private async removeService(serviceId: string): Promise<void> {
    await this.docker
      .getService(serviceId)
      .remove()
      .catch(() => undefined);
  }
}

function latestTask(tasks: SwarmTask[], serviceId: string): SwarmTask | undefined {
  return tasks
    .filter((task) => task.ServiceID === serviceId)
    .sort((a, b) => Date.parse(b.CreatedAt ?? '') - Date.parse(a.CreatedAt ?? ''))[0];
}
