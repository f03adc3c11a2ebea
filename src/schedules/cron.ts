import { Cron } from 'croner';

/**
 * Cron expressions and time zones (design/operations.md), through croner: 5 fields, or 6 with
 * seconds first, read in an IANA time zone. Croner also takes 7 fields and nicknames (`@daily`);
 * the contract does not, so the field count is checked here first.
 */

/** Why a cron expression is refused, or null. */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (cron.trim() === '' || fields.length < 5 || fields.length > 6)
    return 'must have 5 fields (minute hour day month weekday), or 6 with seconds first';
  try {
    const pattern = new Cron(cron, { paused: true, mode: '5-or-6-parts' });
    if (pattern.nextRun(new Date()) === null) return 'never matches a date';
  } catch (error) {
    return `is not a cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`;
  }
  return null;
}

/** An IANA zone name as written (Europe/Berlin, UTC, Etc/GMT+5), never an offset (+01:00). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Why a time zone is refused, or null. */
export function timezoneProblem(timezone: string): string | null {
  if (!ZONE_NAME.test(timezone)) return 'must be an IANA time zone name, e.g. Europe/Berlin or UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return null;
  } catch {
    return `is not a time zone this system knows: ${timezone}`;
  }
}

/** The next `count` times the cron matches after `after`, in the time zone (a checked expression). */
export function nextRuns(cron: string, timezone: string, count: number, after: Date): Date[] {
  return new Cron(cron.trim(), { paused: true, mode: '5-or-6-parts', timezone }).nextRuns(count, after);
}

/** The first time after `after` (exclusive) the cron matches, or null. */
export function nextRun(cron: string, timezone: string, after: Date): Date | null {
  return nextRuns(cron, timezone, 1, after)[0] ?? null;
}

/**
 * The runs due in (after, upTo]: the first and the latest, or null when none is. A long gap is not
 * walked run by run: croner finds both ends.
 */
export function dueRuns(
  cron: string,
  timezone: string,
  after: Date,
  upTo: Date,
): { first: Date; latest: Date } | null {
  const pattern = new Cron(cron.trim(), { paused: true, mode: '5-or-6-parts', timezone });
  const first = pattern.nextRun(after);
  if (!first || first > upTo) return null;
  // previousRuns looks strictly before its reference, to the second: step past upTo, then back if too far.
  const [near] = pattern.previousRuns(1, new Date(upTo.getTime() + 1000));
  const latest = near && near <= upTo ? near : (pattern.previousRuns(1, upTo)[0] ?? first);
  return latest < first ? { first, latest: first } : { first, latest };
}
