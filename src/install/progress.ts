/**
 * Reading SteamCMD's output, one line at a time, as the real program prints it (and the simulator
 * copies): ` Update state (0x61) downloading, progress: 12.34 (1234 / 10000)`, the platform echo
 * `"@sSteamCmdForcePlatformType" = "windows"`, `Success! App '222860' fully installed.`,
 * `Error! App '222860' state is 0x202 after update job.`,
 * `ERROR! Failed to install app '222860' (Invalid platform)`, and login failures.
 */

export const jobPhases = ['bootstrap', 'download', 'verify', 'done'] as const;
export type JobPhase = (typeof jobPhases)[number];

export type SteamcmdLine =
  | { kind: 'progress'; code: string; state: string; percent: number; done: number; total: number }
  | { kind: 'platform'; platform: string }
  | { kind: 'success' }
  /** `code`: the app state after a failed update job (`0x202`); `reason`: SteamCMD's words in brackets. */
  | { kind: 'failure'; line: string; code?: string; reason?: string }
  | { kind: 'other' };

const PROGRESS = /Update state \((0x[0-9a-f]+)\) ([^,]+), progress: (\d+(?:\.\d+)?) \((\d+) \/ (\d+)\)/i;
const PLATFORM = /^"@sSteamCmdForcePlatformType" = "(\w*)"/i;
const SUCCESS = /^Success! App '\d+' (fully installed|already up to date)/i;
const STATE_FAILURE = /^Error! App '\d+' state is (0x[0-9a-f]+) after update job/i;
const INSTALL_FAILURE = /^ERROR! Failed to install app '\d+' \(([^)]*)\)/i;
/** Other fatal lines: `ERROR! Not logged on.`, `...FAILED (No Connection)`, `Login Failure: ...`. */
const OTHER_FAILURE = /^(ERROR!|FAILED\b|Login Failure:)|\.\.\.FAILED\b/i;

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what it removes.
const TERMINAL_ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|[\x00-\x08\x0b-\x1f\x7f]/g;

/** Removes what a pseudo-terminal adds around text: colour and cursor escapes, stray control bytes. */
export function plainText(line: string): string {
  return line.replace(TERMINAL_ESCAPES, '');
}

export function parseSteamcmdLine(raw: string): SteamcmdLine {
  const line = plainText(raw).trim();
  const progress = PROGRESS.exec(line);
  if (progress) {
    const [, code = '', state = '', percent = '0', done = '0', total = '0'] = progress;
    return {
      kind: 'progress',
      code: code.toLowerCase(),
      state: state.trim(),
      percent: Math.min(100, Number(percent)),
      done: Number(done),
      total: Number(total),
    };
  }
  const platform = PLATFORM.exec(line);
  if (platform) return { kind: 'platform', platform: (platform[1] ?? '').toLowerCase() };
  if (SUCCESS.test(line)) return { kind: 'success' };
  const state = STATE_FAILURE.exec(line);
  if (state) return { kind: 'failure', line, code: (state[1] ?? '').toLowerCase() };
  const install = INSTALL_FAILURE.exec(line);
  if (install) return { kind: 'failure', line, reason: install[1] ?? '' };
  if (OTHER_FAILURE.test(line)) return { kind: 'failure', line };
  return { kind: 'other' };
}

/**
 * The phase an update state belongs to: verifying an install (0x5), preallocating (0x11) and
 * verifying an update (0x81) are checks of files on disk; downloading (0x61) and committing (0x101)
 * move the download into place. Other states (0x3 reconfiguring, ...) leave the phase as it is.
 */
export function phaseOfState(code: string, state: string): JobPhase | null {
  if (['0x5', '0x11', '0x81'].includes(code) || /verifying|preallocating/i.test(state)) return 'verify';
  if (['0x61', '0x101'].includes(code) || /downloading|committing/i.test(state)) return 'download';
  return null;
}

export interface Progress {
  phase: JobPhase;
  percent: number;
  bytes_done: number;
  bytes_total: number;
}

/**
 * Follows one SteamCMD run. While the Windows platform is forced (the bootstrap of app 222860),
 * every progress line belongs to `bootstrap`; the last failure line is kept for the job's error.
 */
export class ProgressTracker {
  private current: Progress;
  private bootstrapping = false;
  /** SteamCMD's last failure line in this run. */
  failure: Extract<SteamcmdLine, { kind: 'failure' }> | null = null;
  /** Whether SteamCMD reported success for the last app_update it ran. */
  succeeded = false;
  /** Whether SteamCMD began moving downloaded files into the install (it may be inconsistent after). */
  touchedFiles = false;
  private downloaded = false;

  constructor(start: Progress = { phase: 'download', percent: 0, bytes_done: 0, bytes_total: 0 }) {
    this.current = { ...start };
  }

  get progress(): Progress {
    return { ...this.current };
  }

  /** Feeds one line; returns the new progress when it changed, else null. */
  feed(raw: string): Progress | null {
    const line = parseSteamcmdLine(raw);
    switch (line.kind) {
      case 'platform':
        this.bootstrapping = line.platform === 'windows';
        if (this.bootstrapping) return this.set({ ...this.current, phase: 'bootstrap' });
        return null;
      case 'success':
        this.succeeded = true;
        if (this.downloaded) this.touchedFiles = true;
        return null;
      case 'failure':
        this.failure = line;
        this.succeeded = false;
        return null;
      case 'progress': {
        if (line.code === '0x61') this.downloaded = true;
        if (line.code === '0x101') this.touchedFiles = true;
        const phase = this.bootstrapping
          ? 'bootstrap'
          : (phaseOfState(line.code, line.state) ?? this.current.phase);
        return this.set({ phase, percent: line.percent, bytes_done: line.done, bytes_total: line.total });
      }
      default:
        return null;
    }
  }

  private set(next: Progress): Progress | null {
    const { phase, percent, bytes_done, bytes_total } = this.current;
    if (
      next.phase === phase &&
      next.percent === percent &&
      next.bytes_done === bytes_done &&
      next.bytes_total === bytes_total
    ) {
      return null;
    }
    this.current = next;
    return this.progress;
  }
}

/**
 * Splits a stream's text into lines as they complete. A pseudo-terminal ends lines with `\r\n`;
 * a lone `\r` (a line redrawn in place) ends one too.
 */
export class LineSplitter {
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    let text = this.rest + chunk;
    // A trailing `\r` may be the first half of `\r\n`: its line ends with the next chunk.
    const held = text.endsWith('\r') ? '\r' : '';
    if (held) text = text.slice(0, -1);
    const parts = text.split(/\r\n|\r|\n/);
    this.rest = (parts.pop() ?? '') + held;
    for (const line of parts) this.onLine(line);
  }

  end(): void {
    const rest = this.rest.replace(/\r$/, '');
    this.rest = '';
    if (rest !== '') this.onLine(rest);
  }
}
