import { escapeUnprintable, firstInvisible } from '../http/characters.js';

/**
 * SourceMod's admin list as a blueprint holds it, checked, and the `admins_simple.ini` written from
 * it into each server's `addons/sourcemod/configs/`. Pure.
 */

export interface SourcemodAdmin {
  steamid: string;
  flags: string;
  name: string;
}

/** SteamID64 of account 0 of the public universe: individual accounts count up from here. */
const STEAMID64_BASE = 76561197960265728n;
const MAX_ACCOUNT = 0xffffffffn;
const STEAM2 = /^STEAM_[0-5]:([01]):(\d{1,10})$/;
const STEAM3 = /^\[U:1:(\d{1,10})\]$/;
const STEAMID64 = /^\d{17}$/;
/** SourceMod's flag letters: a-n (reservation .. cheats), o-t (custom1-6) and z (root). */
const FLAGS = /^(?:(\d{1,3}):)?([a-tz]+)$/;
const MAX_IMMUNITY = 255;
/**
 * Flags that reach past the panel's console rules (src/launch/grammar.ts): root (z) has every power,
 * rcon (m) runs any server command through sm_rcon, cvar (h) sets any cvar (rcon_password too) and
 * config (i) executes any cfg. Only an admin may grant them; anyone else would escape the allow-list
 * from the game's own console.
 */
export const ADMIN_ONLY_FLAGS = ['z', 'm', 'h', 'i'] as const;
const MAX_NAME = 64;
export const MAX_ADMINS = 200;

const STEAMID_FORMS = 'STEAM_0:1:123, [U:1:246] or a 17-digit SteamID64';

/** Text quoted in a message: printable ASCII as is, the rest escaped, cut after 64 characters. */
const quoted = (text: string) =>
  `"${escapeUnprintable(text.length > 64 ? `${text.slice(0, 64)}...` : text)}"`;

/** The account number a SteamID names, or null when it is none of the three forms. */
function accountOf(steamid: string): bigint | null {
  const steam2 = STEAM2.exec(steamid);
  if (steam2) {
    const account = BigInt(steam2[2] ?? '0') * 2n + BigInt(steam2[1] ?? '0');
    return account <= MAX_ACCOUNT ? account : null;
  }
  const steam3 = STEAM3.exec(steamid);
  if (steam3) {
    const account = BigInt(steam3[1] ?? '0');
    return account <= MAX_ACCOUNT ? account : null;
  }
  if (STEAMID64.test(steamid)) {
    const account = BigInt(steamid) - STEAMID64_BASE;
    return account >= 0n && account <= MAX_ACCOUNT ? account : null;
  }
  return null;
}

export function isSteamId(text: string): boolean {
  return accountOf(text) !== null;
}

/**
 * The form admins_simple.ini gets: Steam2 and Steam3 IDs as given; a SteamID64 as Steam2, since
 * SourceMod's flat-file reader would take a bare number for a player name.
 */
export function iniSteamId(steamid: string): string {
  const account = accountOf(steamid);
  if (account === null || !STEAMID64.test(steamid)) return steamid;
  return `STEAM_1:${account % 2n}:${account / 2n}`;
}

/** Why SourceMod flags are refused, or null: letters (`abcz`), optionally after an immunity (`99:z`). */
export function flagsProblem(flags: string): string | null {
  const match = FLAGS.exec(flags);
  if (!match)
    return `flags ${quoted(flags)} must be SourceMod flag letters (a-t, z), optionally after an immunity level (99:z)`;
  if (Number(match[1] ?? 0) > MAX_IMMUNITY) return `immunity in ${quoted(flags)} must be 0-${MAX_IMMUNITY}`;
  if (new Set(match[2]).size !== match[2]?.length) return `flags ${quoted(flags)} repeat a letter`;
  return null;
}

function adminProblem(admin: SourcemodAdmin, byAdmin: boolean): string | null {
  if (!isSteamId(admin.steamid)) return `${quoted(admin.steamid)} is not a SteamID (${STEAMID_FORMS})`;
  const flags = flagsProblem(admin.flags);
  if (flags) return flags;
  const reserved = ADMIN_ONLY_FLAGS.filter((flag) => (FLAGS.exec(admin.flags)?.[2] ?? '').includes(flag));
  if (!byAdmin && reserved.length > 0)
    return `flags ${reserved.join(', ')} (root, rcon, cvar, config) reach past the console's rules: only an admin may grant them`;
  if (admin.name.length > MAX_NAME) return `name is longer than ${MAX_NAME} characters`;
  const invisible = firstInvisible(admin.name);
  if (invisible) return `name contains ${invisible}, which is not allowed`;
  return null;
}

/**
 * Why admins are refused, each naming its entry (`admin 2 "STEAM_X"`); empty when fine. `byAdmin`:
 * whether a panel admin sets them (only they may grant ADMIN_ONLY_FLAGS).
 */
export function adminsProblems(admins: SourcemodAdmin[], byAdmin: boolean): string[] {
  const problems = admins.length > MAX_ADMINS ? [`at most ${MAX_ADMINS} admins`] : [];
  const seen = new Set<bigint>();
  admins.forEach((admin, index) => {
    const label = `admin ${index + 1}${admin.name ? ` ${quoted(admin.name)}` : ''}`;
    const problem = adminProblem(admin, byAdmin);
    const account = accountOf(admin.steamid);
    if (problem) problems.push(`${label}: ${problem}`);
    else if (account !== null && seen.has(account))
      problems.push(`${label}: ${quoted(admin.steamid)} is listed twice`);
    if (account !== null) seen.add(account);
  });
  return problems;
}

/**
 * admins_simple.ini for checked admins: `"<steamid>" "<flags>"`, the name as a comment (the third
 * quoted field would be a password). Names cannot break out of the comment: they hold no line breaks.
 */
export function adminsSimpleIni(admins: SourcemodAdmin[]): string {
  const lines = [
    '// Written by l4d2web from the blueprint at every start; edits here are replaced.',
    '// "<SteamID>" "<immunity:flags>"  // name',
    ...admins.map(
      (admin) => `"${iniSteamId(admin.steamid)}" "${admin.flags}"${admin.name ? ` // ${admin.name}` : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
