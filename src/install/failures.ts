import type { SteamcmdLine } from './progress.js';

/** The contract's sentences (design/install.md), for a person rather than SteamCMD's state codes. */
export const NOT_ENOUGH_DISK = 'not enough disk space in SRCDS_DIR';
export const NETWORK_INTERRUPTED = 'download interrupted (network)';
export const DISK_WRITE_FAILED = 'disk write failed';
export const ANONYMOUS_REFUSED = 'Steam refused the anonymous download';
export const STEAMCMD_NOT_FOUND =
  'steamcmd not found: install it (Debian: the steamcmd package from non-free) or set STEAMCMD';

/**
 * What to do about a failed run: `network` is tried again (with backoff), `platform` once more with
 * the Windows-then-Linux bootstrap; anything else ends the job.
 */
export type Retry = 'network' | 'platform' | null;

export interface RunFailure {
  message: string;
  retry: Retry;
}

const STATE_SENTENCES: Record<string, RunFailure> = {
  '0x202': { message: NOT_ENOUGH_DISK, retry: null },
  '0x212': { message: NOT_ENOUGH_DISK, retry: null },
  '0x402': { message: NETWORK_INTERRUPTED, retry: 'network' },
  '0x602': { message: NETWORK_INTERRUPTED, retry: 'network' },
  '0x606': { message: DISK_WRITE_FAILED, retry: null },
};

/** `Missing configuration` comes with the same cause as `Invalid platform` (design/install.md). */
const PLATFORM_REASONS = /^(invalid platform|missing configuration)$/i;

/**
 * Turns SteamCMD's last failure line of a run (or, without one, its exit) into the job's error.
 * Lines the contract does not name are quoted as SteamCMD printed them.
 */
export function describeRunFailure(
  failure: Extract<SteamcmdLine, { kind: 'failure' }> | null,
  exit: { code: number | null; signal: string | null },
): RunFailure {
  if (failure?.code) return STATE_SENTENCES[failure.code] ?? { message: failure.line, retry: null };
  if (failure?.reason !== undefined) {
    if (/^no subscription$/i.test(failure.reason)) return { message: ANONYMOUS_REFUSED, retry: null };
    if (PLATFORM_REASONS.test(failure.reason)) return { message: failure.line, retry: 'platform' };
    if (/^disk write failure$/i.test(failure.reason)) return { message: DISK_WRITE_FAILED, retry: null };
  }
  if (failure) {
    // A login that could not reach Steam is the network too; SteamCMD says which.
    return {
      message: failure.line,
      retry: /no connection|timed? ?out/i.test(failure.line) ? 'network' : null,
    };
  }
  if (exit.signal) return { message: `steamcmd was ended by ${exit.signal}`, retry: null };
  return { message: `steamcmd exited with code ${exit.code} without saying why`, retry: null };
}
