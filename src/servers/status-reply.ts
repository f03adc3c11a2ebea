/** A player row of srcds's `status` reply (what a kick by name looks up). */
export interface StatusRow {
  userid: number;
  name: string;
  uniqueid: string;
  seconds: number | null;
}

/** "05:12" or "1:02:03" as seconds; null for anything else. */
export function parseConnected(text: string): number | null {
  if (!/^\d+(:\d{1,2}){1,2}$/.test(text)) return null;
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/**
 * The player rows of srcds's `status` reply:
 * `#  2 "Name" STEAM_1:0:123 05:12 67 0 active 30000 1.2.3.4:27005` (bots have no time).
 */
export function parseStatusPlayers(reply: string): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const line of reply.split(/\r?\n/)) {
    const match = /^#\s*(\d+)\s+"(.*)"\s+(\S+)(?:\s+(\S+))?/.exec(line.trim());
    if (!match) continue;
    const [, userid = '', name = '', uniqueid = '', connected = ''] = match;
    rows.push({ userid: Number(userid), name, uniqueid, seconds: parseConnected(connected) });
  }
  return rows;
}
