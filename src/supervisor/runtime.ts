import type { LaunchPlan } from '../launch/plan.js';
import type { ResourceUsage } from './control.js';

/** How a game server process ended, as far as the runtime can tell. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False for an adopted process: it is not our child, so its exit status cannot be read. */
  known: boolean;
  /** What the runtime knows beyond the status, told instead of it (a container's OOM kill). */
  reason?: string;
}

/** A running game server, launched or adopted by a runtime. */
export interface RuntimeHandle {
  readonly serverId: number;
  readonly pid: number;
  /** When it was launched (ms since the epoch); for an adopted process, when the pid file was written. */
  readonly launchedAt: number;
  /** True when a previous panel launched it and this one took it over. */
  readonly adopted: boolean;
  /** Resolves once the process is gone. */
  readonly exited: Promise<ExitInfo>;
  /** True until `exited` resolved. */
  isAlive(): boolean;
  /** Where A2S and RCON reach it (a swarm node's address); the loopback interface when absent. */
  readonly host?: string;
}

/**
 * What the supervisor needs from a way of running game servers: processes (process-runtime.ts), or
 * containers and swarm services (src/containers/).
 */
export interface Runtime {
  /** Servers may run on other hosts (a swarm): this host's ports say nothing about theirs. */
  readonly remote?: boolean;
  /** Starts the server; rejects with LaunchError when it cannot. */
  launch(serverId: number, plan: LaunchPlan): Promise<RuntimeHandle>;
  /** Takes over a server a previous panel launched that is still running, or returns null. */
  adopt(serverId: number): Promise<RuntimeHandle | null>;
  /** Signals the server and everything it started (its process group). */
  signal(handle: RuntimeHandle, signal: NodeJS.Signals): void;
  /** Forgets the server's records (pid file) once it is gone for good. */
  forget(serverId: number): Promise<void>;
  /** Stops watching adopted processes; never touches the game servers. */
  close(): void;
  /** CPU and memory of a running server (containers: the engine's stats); absent or null: unknown. */
  usage?(serverId: number): Promise<ResourceUsage | null>;
}

/** A launch refused before or right at spawning, with the message a user sees in last_error. */
export class LaunchError extends Error {}
