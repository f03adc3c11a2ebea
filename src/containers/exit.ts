import { constants } from 'node:os';
import type { ExitInfo } from '../supervisor/runtime.js';

/** How a container ended, with what the engine knows beyond the exit code (an OOM kill). */
export interface ContainerExit extends ExitInfo {
  /** Replaces "exited with code N" in last_error when set. */
  reason?: string;
}

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

export function outOfMemoryReason(memoryLimitBytes: number | null | undefined): string {
  const limit = memoryLimitBytes
    ? `limit ${Math.round(memoryLimitBytes / (1024 * 1024))} MB`
    : 'no limit set';
  return `killed: out of memory (${limit})`;
}

/**
 * The engine's State of an exited container. Through the init process, a server killed by signal N
 * exits with 128 + N, as a shell reports it: read back as the signal.
 */
export function containerExit(
  state: { ExitCode?: number; OOMKilled?: boolean },
  memoryLimitBytes: number | null | undefined,
): ContainerExit {
  const code = state.ExitCode ?? null;
  const signal = code !== null && code > 128 ? (signalNames.get(code - 128) ?? null) : null;
  const exit: ContainerExit = { code: signal ? null : code, signal, known: code !== null };
  if (state.OOMKilled) exit.reason = outOfMemoryReason(memoryLimitBytes);
  return exit;
}
