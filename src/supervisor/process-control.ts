import { setTimeout as sleep } from 'node:timers/promises';
import { launchRefusal } from '../blueprints/rules.js';
import { buildLaunchPlan } from '../launch/plan.js';
import { appendConsoleNote, logSize, readLogFrom } from './console-log.js';
import { describeExit } from './decide.js';
import { consoleLogPath } from './paths.js';
import { bindFailureIn, busyPort } from './ports.js';
import { LaunchError, type RuntimeHandle } from './runtime.js';
import { rconTarget, type ServerFacts, type Slot, type SupervisorContext } from './state.js';
import { type ServerStatus, startingPollTiming } from './status.js';

/** Carries out decide()'s launch and stop of a server's process, and notices the process exit. */
export class ProcessControl {
  constructor(
    private readonly ctx: SupervisorContext,
    private readonly status: ServerStatus,
  ) {}

  async launch(slot: Slot, facts: ServerFacts, clearError: boolean): Promise<void> {
    slot.retry = false;
    slot.restart = false;
    if (clearError) slot.crashes = [];
    const lastError = clearError ? '' : slot.lastError;
    await this.status.record(slot, 'starting', lastError);
    const logPath = this.logPath(slot);
    // A blueprint stored before today's rules (src/blueprints/rules.ts), or a port another program holds.
    const busy = await busyPort(facts.port);
    const refusal = launchRefusal(facts) ?? (busy && `port ${busy} is in use by another program`);
    if (refusal) {
      await appendConsoleNote(logPath, `not started: ${refusal}`);
      await this.status.record(slot, 'failed', refusal);
      return;
    }
    const plan = buildLaunchPlan(
      { id: slot.id, port: facts.port },
      { arguments: JSON.parse(facts.arguments) as string[], config: JSON.parse(facts.config) as string[] },
      {
        dataDir: this.ctx.config.dataDir,
        srcdsDir: this.ctx.config.srcdsDir,
        rconPassword: facts.rcon_password,
      },
    );
    slot.logOffset = await logSize(logPath);
    let handle: RuntimeHandle;
    try {
      await this.buildInstance(slot.id);
      handle = await this.ctx.runtime.launch(slot.id, plan);
    } catch (error) {
      if (!(error instanceof LaunchError)) throw error;
      await appendConsoleNote(logPath, `not started: ${error.message}`).catch(() => undefined);
      await this.status.record(slot, 'failed', error.message);
      return;
    }
    this.attach(slot, handle);
  }

  /** The server's instance, rebuilt from the install before each launch; a failure refuses the launch. */
  private async buildInstance(serverId: number): Promise<void> {
    try {
      await this.ctx.instances.build(serverId);
    } catch (error) {
      throw new LaunchError(`could not build the instance directory: ${(error as Error).message}`);
    }
  }

  /** Watches a launched or adopted process: its exit and its A2S answers. */
  attach(slot: Slot, handle: RuntimeHandle): void {
    slot.handle = handle;
    slot.since = handle.adopted ? Date.now() : handle.launchedAt;
    slot.lastAnswerAt = null;
    slot.exit = null;
    void handle.exited.then((exit) => this.exited(slot, handle, describeExit(exit)));
    const firstPollMs = handle.adopted
      ? Math.random() * 200
      : startingPollTiming(0, this.ctx.options).delayMs;
    this.status.schedulePoll(slot, firstPollMs);
  }

  /** RCON quit (when gentle), then SIGTERM, then SIGKILL of the process group, each after a grace period. */
  async stop(slot: Slot, gentle: boolean, why: string): Promise<void> {
    const { options, runtime } = this.ctx;
    const handle = slot.handle;
    if (!handle) return;
    slot.stopping = true;
    const note = (text: string) => appendConsoleNote(this.logPath(slot), text).catch(() => undefined);
    try {
      const gone = (ms: number) =>
        Promise.race([handle.exited.then(() => true), sleep(ms).then(() => !handle.isAlive())]);
      if (gentle) {
        await note('stopping: rcon quit');
        const quick = {
          connectTimeoutMs: Math.min(options.rconConnectTimeoutMs, 2_000),
          commandTimeoutMs: 2_000,
        };
        await this.ctx.rconClient.command(slot.id, rconTarget(slot), 'quit', quick).catch(() => undefined);
        if (await gone(options.stopGraceMs)) return;
      } else {
        await note(`stopping: ${why}`);
      }
      runtime.signal(handle, 'SIGTERM');
      if (await gone(options.stopGraceMs)) return;
      await note('stopping: no exit after SIGTERM, sending SIGKILL');
      runtime.signal(handle, 'SIGKILL');
      await gone(5_000);
    } finally {
      slot.stopping = false;
      if (!handle.isAlive() && slot.handle === handle) slot.handle = null;
      if (!slot.handle) clearTimeout(slot.pollTimer);
    }
  }

  private async exited(slot: Slot, handle: RuntimeHandle, description: string): Promise<void> {
    if (slot.handle !== handle) return;
    slot.handle = null;
    slot.lastAnswerAt = null;
    clearTimeout(slot.pollTimer);
    this.status.setLive(slot, null);
    if (this.ctx.isClosed() || slot.stopping) return;
    const logPath = this.logPath(slot);
    let busy: string | null = null;
    if (slot.actual === 'starting' && !handle.adopted)
      busy = bindFailureIn(readLogFrom(logPath, slot.logOffset), slot.port);
    slot.exit = { at: Date.now(), description, busyPort: busy };
    await appendConsoleNote(logPath, `server process ${handle.pid} ${description}`).catch(() => undefined);
    void this.ctx.reconciler.trigger(slot.id);
  }

  private logPath(slot: Slot): string {
    return consoleLogPath(this.ctx.config.dataDir, slot.id);
  }
}
