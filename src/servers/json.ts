import type { LiveStatus } from '../supervisor/control.js';
import type { AuthorizedServer } from './access.js';
import { toServer } from './servers.js';

/** A server's JSON as the list sends it, kept with the live status it was made with. */
interface KeptJson {
  live: LiveStatus | null;
  bytes: Buffer;
}

/**
 * Kept per AuthorizedServer object: access.ts hands out the same one for a row until the database is
 * written again, so a kept text is dropped with the row it came from.
 */
const kept = new WeakMap<AuthorizedServer, KeptJson>();

const sameLive = (a: LiveStatus | null, b: LiveStatus | null) =>
  a === b ||
  (a !== null && b !== null && a.map === b.map && a.players === b.players && a.max_players === b.max_players);

/** The bytes of JSON.stringify(toServer(server, live)), made once per row and live status. */
export function serverJsonBytes(server: AuthorizedServer, live: LiveStatus | null): Buffer {
  const found = kept.get(server);
  if (found && sameLive(found.live, live)) return found.bytes;
  const bytes = Buffer.from(JSON.stringify(toServer(server, live)));
  kept.set(server, { live, bytes });
  return bytes;
}

const OPEN = Buffer.from('{"servers":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/**
 * `{"servers": [...]}` as bytes, the same as JSON.stringify gives, from each server's kept JSON:
 * a list of 1,000 servers is not serialized (nor encoded) again while nothing in it changed.
 */
export function serversJsonBody(
  servers: readonly AuthorizedServer[],
  liveStatus: (id: number) => LiveStatus | null,
): Buffer {
  const chunks: Buffer[] = [OPEN];
  for (const [index, server] of servers.entries()) {
    if (index > 0) chunks.push(COMMA);
    chunks.push(serverJsonBytes(server, liveStatus(server.row.id)));
  }
  chunks.push(CLOSE);
  return Buffer.concat(chunks);
}
