import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Misbehaviour on demand, for tests. See README.md for the interface. */
export interface Faults {
  /** Bind ports and print the banner at once, but answer neither A2S nor RCON before this delay. */
  startDelayMs: number;
  /** Die by SIGSEGV this long after start (0: right after binding). */
  crashAfterMs?: number;
  /** Stop answering A2S and RCON this long after start, staying alive (0: never answer). */
  hangAfterMs?: number;
  /** Once hung, also ignore SIGTERM/SIGINT, so only SIGKILL ends the process. */
  hangIgnoresSigterm: boolean;
  /** Die by SIGSEGV on changelevel/map. */
  crashOnMapChange: boolean;
  /** Simulated players connected at start. */
  players: number;
  /** Allocate (and touch) this many MB allocateAfterMs after start, and hold them: a memory hog. */
  allocateMb?: number;
  allocateAfterMs?: number;
}

export const FAULT_FILE = 'sim-faults.json';

const NO_FAULTS: Faults = { startDelayMs: 0, hangIgnoresSigterm: false, crashOnMapChange: false, players: 0 };

type FaultInput = Partial<Record<keyof Faults, unknown>>;

function nonNegative(value: unknown, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`bad fault ${what}: ${String(value)}`);
  return number;
}

function flag(value: unknown): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value === true || value === 1 || value === '1' || value === 'true';
}

function applyInput(base: Faults, input: FaultInput): Faults {
  return {
    startDelayMs: nonNegative(input.startDelayMs, 'startDelayMs') ?? base.startDelayMs,
    crashAfterMs: nonNegative(input.crashAfterMs, 'crashAfterMs') ?? base.crashAfterMs,
    hangAfterMs: nonNegative(input.hangAfterMs, 'hangAfterMs') ?? base.hangAfterMs,
    hangIgnoresSigterm: flag(input.hangIgnoresSigterm) ?? base.hangIgnoresSigterm,
    crashOnMapChange: flag(input.crashOnMapChange) ?? base.crashOnMapChange,
    players: nonNegative(input.players, 'players') ?? base.players,
    allocateMb: nonNegative(input.allocateMb, 'allocateMb') ?? base.allocateMb,
    allocateAfterMs: nonNegative(input.allocateAfterMs, 'allocateAfterMs') ?? base.allocateAfterMs,
  };
}

function fromEnv(env: NodeJS.ProcessEnv): FaultInput {
  return {
    startDelayMs: env.SIM_START_DELAY_MS,
    crashAfterMs: env.SIM_CRASH_AFTER_MS,
    hangAfterMs: env.SIM_HANG_AFTER_MS,
    hangIgnoresSigterm: env.SIM_HANG_IGNORE_SIGTERM,
    crashOnMapChange: env.SIM_CRASH_ON_MAP_CHANGE,
    players: env.SIM_PLAYERS,
    allocateMb: env.SIM_ALLOCATE_MB,
    allocateAfterMs: env.SIM_ALLOCATE_AFTER_MS,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Environment first, then `<root>/sim-faults.json`'s top-level keys, then its entry for this
 * game port (`{"27015": {...}}`): the more specific source wins.
 */
export async function loadFaults(env: NodeJS.ProcessEnv, rootDir: string, port: number): Promise<Faults> {
  let faults = applyInput(NO_FAULTS, fromEnv(env));
  let text: string;
  try {
    text = await readFile(path.join(rootDir, FAULT_FILE), 'utf8');
  } catch {
    return faults;
  }
  const file: unknown = JSON.parse(text);
  if (!isObject(file)) throw new Error(`${FAULT_FILE} must hold a JSON object`);
  faults = applyInput(faults, file);
  const forPort = file[String(port)];
  if (isObject(forPort)) faults = applyInput(faults, forPort);
  return faults;
}
