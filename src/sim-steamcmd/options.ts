import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** How the simulated SteamCMD behaves (README.md; design/install.md's table). */
export interface SimSteamcmdOptions {
  /** Like Steam today: a Linux app_update of a missing install fails unless Windows was forced first. */
  invalidPlatform: boolean;
  /** Fail the download at this percent with this app state code (e.g. 0x402). */
  failAt: { percent: number; code: string } | null;
  /** How many runs fail at `failAt` before one succeeds; null: every run. */
  failTimes: number | null;
  /** The build Steam reports; installing writes it to the manifest. */
  remoteBuildid: string;
  bytesTotal: number;
  bytesPerSecond: number;
  /** Hold output back in 4 KB blocks when stdout is not a terminal, as SteamCMD does. */
  bufferWhenNotTty: boolean;
  /** Steam cannot be reached: login fails with `No Connection` (update checks then know nothing). */
  offline: boolean;
  /** How often a progress line is printed. */
  tickMs: number;
}

export const OPTIONS_FILE = 'sim-steamcmd.json';
/** Counts runs that failed at `failAt` (for `failTimes`), across runs. */
export const STATE_FILE = 'sim-steamcmd-state.json';
/** One JSON line per run: its pid and arguments, so tests see which command lines the panel used. */
export const RUNS_LOG = 'sim-steamcmd-runs.log';

export const DEFAULT_OPTIONS: SimSteamcmdOptions = {
  invalidPlatform: true,
  failAt: null,
  failTimes: null,
  remoteBuildid: '1',
  bytesTotal: 1_500_000_000,
  bytesPerSecond: 500_000_000,
  bufferWhenNotTty: true,
  offline: false,
  tickMs: 100,
};

type OptionInput = Partial<Record<keyof SimSteamcmdOptions, unknown>>;

/** Environment variables, one per key. */
export const ENVIRONMENT: Record<keyof SimSteamcmdOptions, string> = {
  invalidPlatform: 'SIM_STEAMCMD_INVALID_PLATFORM',
  failAt: 'SIM_STEAMCMD_FAIL_AT',
  failTimes: 'SIM_STEAMCMD_FAIL_TIMES',
  remoteBuildid: 'SIM_STEAMCMD_REMOTE_BUILDID',
  bytesTotal: 'SIM_STEAMCMD_BYTES_TOTAL',
  bytesPerSecond: 'SIM_STEAMCMD_BYTES_PER_SECOND',
  bufferWhenNotTty: 'SIM_STEAMCMD_BUFFER_WHEN_NOT_TTY',
  offline: 'SIM_STEAMCMD_OFFLINE',
  tickMs: 'SIM_STEAMCMD_TICK_MS',
};

function flag(value: unknown, key: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === '0' || value === 0) return false;
  throw new Error(`bad ${key}: ${JSON.stringify(value)} (true or false)`);
}

function count(value: unknown, key: string, { positive = false } = {}): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || (positive && number === 0)) {
    throw new Error(
      `bad ${key}: ${JSON.stringify(value)} (a ${positive ? 'positive' : 'non-negative'} number)`,
    );
  }
  return number;
}

function buildid(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new Error(`bad remoteBuildid: ${JSON.stringify(value)} (digits)`);
  return text;
}

/** `{"percent": 50, "code": "0x402"}`, or `50:0x402` in the environment. */
function failAt(value: unknown): SimSteamcmdOptions['failAt'] | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const object =
    typeof value === 'string'
      ? { percent: value.split(':')[0], code: value.split(':')[1] }
      : (value as OptionInput);
  const { percent, code } = object as { percent?: unknown; code?: unknown };
  const at = count(percent, 'failAt.percent');
  if (at === undefined || at > 100 || typeof code !== 'string' || !/^0x[0-9a-f]+$/i.test(code)) {
    throw new Error(`bad failAt: ${JSON.stringify(value)} ({"percent": 0-100, "code": "0x402"})`);
  }
  return { percent: at, code: code.toLowerCase() };
}

function apply(base: SimSteamcmdOptions, input: OptionInput): SimSteamcmdOptions {
  const failTimes = input.failTimes === null ? null : count(input.failTimes, 'failTimes');
  const fail = failAt(input.failAt);
  return {
    invalidPlatform: flag(input.invalidPlatform, 'invalidPlatform') ?? base.invalidPlatform,
    failAt: fail === undefined ? base.failAt : fail,
    failTimes: failTimes === undefined ? base.failTimes : failTimes,
    remoteBuildid: buildid(input.remoteBuildid) ?? base.remoteBuildid,
    bytesTotal: count(input.bytesTotal, 'bytesTotal') ?? base.bytesTotal,
    bytesPerSecond: count(input.bytesPerSecond, 'bytesPerSecond', { positive: true }) ?? base.bytesPerSecond,
    bufferWhenNotTty: flag(input.bufferWhenNotTty, 'bufferWhenNotTty') ?? base.bufferWhenNotTty,
    offline: flag(input.offline, 'offline') ?? base.offline,
    tickMs: count(input.tickMs, 'tickMs', { positive: true }) ?? base.tickMs,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The environment first, then `DIR/sim-steamcmd.json` (read at every run, so a test can change
 * Steam between runs); the file wins per key. Throws one line on a bad value or file.
 */
export async function loadOptions(env: NodeJS.ProcessEnv, dir: string): Promise<SimSteamcmdOptions> {
  const fromEnv = Object.fromEntries(
    Object.entries(ENVIRONMENT)
      .map(([key, name]) => [key, env[name] === '' ? undefined : env[name]])
      .filter(([, value]) => value !== undefined),
  ) as OptionInput;
  let options = apply(DEFAULT_OPTIONS, fromEnv);
  let text: string;
  try {
    text = await readFile(path.join(dir, OPTIONS_FILE), 'utf8');
  } catch {
    return options;
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw new Error(`${OPTIONS_FILE} is not valid JSON`);
  }
  if (!isObject(file)) throw new Error(`${OPTIONS_FILE} must hold a JSON object`);
  const unknown = Object.keys(file).filter((key) => !(key in DEFAULT_OPTIONS));
  if (unknown.length > 0) throw new Error(`${OPTIONS_FILE}: unknown key ${unknown[0]}`);
  options = apply(options, file as OptionInput);
  return options;
}
