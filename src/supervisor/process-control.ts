import { AddonLaunchError } from '../addons/blueprint-addons.js';
import type { AddonLinker } from '../addons/launch.js';
import { launchRefusal } from '../blueprints/rules.js';
import { consoleLogPath } from '../config/paths.js';
import type { Instances } from '../instances/instances.js';
import { buildLaunchPlan } from '../launch/plan.js';
import type { RconTarget } from '../rcon/client.js';
import { type Clock, sleep } from './clock.js';
import { appendConsoleNote, logSize } from './console-log.js';
import type { ServerLink } from './link.js';
import type { SupervisorOptions } from './options.js';
import { busyPort } from './ports.js';
import { LaunchError, type Runtime, type RuntimeHandle } from './runtime.js';
import type { ServerFacts } from './state.js';

/** What launching and stopping a server's process need. */
export interface ProcessDeps {
  readonly dataDir: string;
  readonly srcdsDir: string;
  readonly options: SupervisorOptions;
  readonly runtime: Runtime;
  readonly instances: Instances;
  /** Links the blueprint's addons into the built instance. */
  readonly addons: AddonLinker;
  readonly link: ServerLink;
  readonly clock: Clock;
}

/** A launched process (its own console output starts at logOffset), or why there is none. */
export type LaunchOutcome = { handle: RuntimeHandle; logOffset: number } | { refusal: string };

/**
 * Launches the server's process. Refuses, with the reason noted in its console log, a blueprint stored
 * before today's rules (src/blueprints/rules.ts), a port another program holds, an instance directory
 * that cannot be built or get its blueprint's addons (src/addons/launch.ts), and whatever the runtime
 * refuses (e.g. no srcds_run).
 */
export async function launchServer(deps: ProcessDeps, facts: ServerFacts): Promise<LaunchOutcome> {
  const logPath = consoleLogPath(deps.dataDir, facts.id);
  const refuse = async (refusal: string) => {
    await appendConsoleNote(logPath, `not started: ${refusal}`).catch(() => undefined);
    return { refusal };
  };
  // A swarm may place the server on another host: this one's ports say nothing about it.
  const busy = deps.runtime.remote ? null : await busyPort(facts.port);
  const refusal = launchRefusal(facts) ?? (busy && `port ${busy} is in use by another program`);
  if (refusal) return refuse(refusal);
  const plan = buildLaunchPlan(
    { id: facts.id, port: facts.port, node: facts.node },
    {
      arguments: JSON.parse(facts.arguments) as string[],
      config: JSON.parse(facts.config) as string[],
      cpu_limit: facts.cpu_limit,
      memory_limit_mb: facts.memory_limit_mb,
    },
    { dataDir: deps.dataDir, srcdsDir: deps.srcdsDir, rconPassword: facts.rcon_password },
  );
  const logOffset = await logSize(logPath);
  try {
    let paths: Awaited<ReturnType<Instances['build']>>;
    try {
      paths = await deps.instances.build(facts.id);
    } catch (error) {
      throw new LaunchError(`could not build the instance directory: ${(error as Error).message}`);
    }
    try {
      await deps.addons.prepare(facts.id, paths, { id: facts.blueprint_id, sourcemod: facts.sourcemod });
    } catch (error) {
      const reason =
        error instanceof AddonLaunchError
          ? error.message
          : `could not link its addons: ${(error as Error).message}`;
      throw new LaunchError(reason);
    }
    return { handle: await deps.runtime.launch(facts.id, plan), logOffset };
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    return refuse(error.message);
  }
}

/**
 * Stops the process: RCON quit (when gentle), then SIGTERM, then SIGKILL of its process group, each
 * after a grace period. True once it is gone.
 */
export async function stopProcess(
  deps: ProcessDeps,
  handle: RuntimeHandle,
  target: RconTarget,
  request: { gentle: boolean; why: string; warning?: string | undefined },
): Promise<boolean> {
  const { options, runtime, clock } = deps;
  const note = (text: string) =>
    appendConsoleNote(consoleLogPath(deps.dataDir, handle.serverId), text).catch(() => undefined);
  const gone = (ms: number) =>
    Promise.race([handle.exited.then(() => true), sleep(clock, ms).then(() => !handle.isAlive())]);
  if (request.gentle) {
    const quick = {
      connectTimeoutMs: Math.min(options.rconConnectTimeoutMs, 2_000),
      commandTimeoutMs: 2_000,
    };
    if (request.warning) {
      // The players hear why before the server goes: a `say`, then a moment to read it.
      await note(`stopping: rcon say ${request.warning}`);
      await deps.link
        .command(handle.serverId, target, `say ${request.warning}`, quick)
        .catch(() => undefined);
      if (await gone(options.updateWarningMs)) return true;
    }
    await note('stopping: rcon quit');
    await deps.link.command(handle.serverId, target, 'quit', quick).catch(() => undefined);
    if (await gone(options.stopGraceMs)) return true;
  } else {
    await note(`stopping: ${request.why}`);
  }
  runtime.signal(handle, 'SIGTERM');
  if (await gone(options.stopGraceMs)) return true;
  await note('stopping: no exit after SIGTERM, sending SIGKILL');
  runtime.signal(handle, 'SIGKILL');
  await gone(5_000);
  return !handle.isAlive();
}
