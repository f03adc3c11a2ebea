/**
 * A runtime whose game servers are objects, not processes (src/supervisor/runtime.ts is the seam), and
 * the link (A2S and RCON) that answers for them: orchestration tests drive crashes, hangs, slow stops
 * and adoption by hand, on a fake clock, with nothing spawned.
 */
import type { LaunchPlan } from '../../src/launch/plan.js';
import type { RconTarget } from '../../src/rcon/client.js';
import type { Clock } from '../../src/supervisor/clock.js';
import type { LiveStatus, Player } from '../../src/supervisor/control.js';
import type { ServerLink } from '../../src/supervisor/link.js';
import {
  type ExitInfo,
  LaunchError,
  type Runtime,
  type RuntimeHandle,
} from '../../src/supervisor/runtime.js';

/** A game server as the fake runtime runs it: alive until told (or signalled) to end. */
export class FakeProcess implements RuntimeHandle {
  readonly exited: Promise<ExitInfo>;
  /** Answers A2S while true (false: starting slowly, or hung). */
  answering = true;
  /** `quit` over RCON ends it (false: it ignores quit). */
  quitsOnRcon = true;
  /** Only SIGKILL ends it. */
  ignoresSigterm = false;
  live: LiveStatus = { map: 'c1m1_hotel', players: 0, max_players: 8 };
  players: Player[] = [];
  /** What it answers a console command. */
  respond: (command: string) => string = (command) => `ran ${command}\n`;
  readonly signals: NodeJS.Signals[] = [];
  readonly commands: string[] = [];
  private alive = true;
  private resolveExit!: (exit: ExitInfo) => void;

  constructor(
    readonly serverId: number,
    readonly pid: number,
    readonly port: number,
    readonly launchedAt: number,
    readonly adopted: boolean,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  isAlive(): boolean {
    return this.alive;
  }

  /** Ends it, as the runtime reports an exit (an adopted process's status is unknown). */
  exit(how: { code?: number; signal?: NodeJS.Signals } = {}): void {
    if (!this.alive) return;
    this.alive = false;
    this.resolveExit({ code: how.code ?? null, signal: how.signal ?? null, known: !this.adopted });
  }
}

export class FakeRuntime implements Runtime {
  /** Every launch, in order. */
  readonly launches: Array<{ process: FakeProcess; plan: LaunchPlan }> = [];
  /** When set, launches are refused with this message (as ProcessRuntime refuses a missing srcds_run). */
  refusal: string | null = null;
  /** Shapes each new process before the supervisor sees it (crash at once, never answer...). */
  onLaunch: (process: FakeProcess) => void = () => {};
  private readonly leftRunning = new Map<number, FakeProcess>();
  private readonly byPort = new Map<number, FakeProcess>();
  private nextPid = 40_000;

  constructor(private readonly clock: Clock) {}

  get last(): FakeProcess {
    const launch = this.launches.at(-1);
    if (!launch) throw new Error('nothing was launched');
    return launch.process;
  }

  async launch(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle> {
    if (this.refusal) throw new LaunchError(this.refusal);
    const port = Number(plan.args[plan.args.indexOf('-port') + 1]);
    const process = new FakeProcess(serverId, this.nextPid++, port, this.clock.now(), false);
    this.byPort.set(port, process);
    this.launches.push({ process, plan });
    this.onLaunch(process);
    return process;
  }

  /** A server a previous panel launched that still runs: the next adopt() of its id takes it over. */
  leaveRunning(serverId: number, port: number): FakeProcess {
    const process = new FakeProcess(serverId, this.nextPid++, port, this.clock.now() - 60_000, true);
    this.leftRunning.set(serverId, process);
    this.byPort.set(port, process);
    return process;
  }

  async adopt(serverId: number): Promise<RuntimeHandle | null> {
    const process = this.leftRunning.get(serverId);
    this.leftRunning.delete(serverId);
    return process?.isAlive() ? process : null;
  }

  signal(handle: RuntimeHandle, signal: NodeJS.Signals): void {
    const process = handle as FakeProcess;
    process.signals.push(signal);
    if (signal === 'SIGKILL' || !process.ignoresSigterm) process.exit({ signal });
  }

  async forget(): Promise<void> {}

  close(): void {}

  /** A2S queries asked so far. */
  queries = 0;

  /** A2S and RCON, answered by the process on the port asked. */
  readonly link: ServerLink = {
    query: async (port) => {
      this.queries++;
      const process = this.byPort.get(port);
      if (!process?.isAlive() || !process.answering) throw new Error('no A2S answer');
      return { live: { ...process.live }, players: process.players.map((player) => ({ ...player })) };
    },
    command: async (_serverId: number, target: RconTarget, command: string) => {
      const process = this.byPort.get(target.port);
      if (!process?.isAlive()) throw new Error('connect ECONNREFUSED');
      if (!process.answering) throw new Error('timed out');
      process.commands.push(command);
      if (command === 'quit' && process.quitsOnRcon) process.exit({ code: 0 });
      return process.respond(command);
    },
  };
}
