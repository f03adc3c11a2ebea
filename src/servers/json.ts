import { createHash } from 'node:crypto';
import { etagOf } from '../http/etag.js';
import type { LiveStatus } from '../supervisor/control.js';
import type { AuthorizedServer } from './access.js';
import { toServer } from './servers.js';

/** A server's JSON as the list sends it, kept with the live status it was made with. */
interface KeptJson {
  live: LiveStatus | null;
  bytes: Buffer;
  /** sha1 of the bytes: the ETag of a list is made from these, not from the whole list again. */
  hash: Buffer;
}

/**
 * Kept per AuthorizedServer object: access.ts hands out the same one for a row until the database is
 * written again, so a kept text is dropped with the row it came from.
 */
const kept = new WeakMap<AuthorizedServer, KeptJson>();

const sameLive = (a: LiveStatus | null, b: LiveStatus | null) =>
  a === b ||
  (a !== null && b !== null && a.map === b.map && a.players === b.players && a.max_players === b.max_players);

function keptJson(server: AuthorizedServer, live: LiveStatus | null): KeptJson {
  const found = kept.get(server);
  if (found && sameLive(found.live, live)) return found;
  const bytes = Buffer.from(JSON.stringify(toServer(server, live)));
  const made = { live, bytes, hash: createHash('sha1').update(bytes).digest() };
  kept.set(server, made);
  return made;
}

/** A JSON body and its ETag. */
export interface JsonBody {
  body: Buffer;
  etag: string;
}

/** The bytes of JSON.stringify(toServer(server, live)), made once per row and live status. */
export function serverJsonBytes(server: AuthorizedServer, live: LiveStatus | null): Buffer {
  return keptJson(server, live).bytes;
}

/** serverJsonBytes with its ETag. */
export function serverJsonBody(server: AuthorizedServer, live: LiveStatus | null): JsonBody {
  const { bytes, hash } = keptJson(server, live);
  return { body: bytes, etag: etagOf(hash) };
}

const OPEN = Buffer.from('{"servers":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/** A list's body, with the kept JSON of each server it was made from. */
interface KeptList {
  parts: KeptJson[];
  body: JsonBody;
}

/** Per list (access.ts hands out the same one until the database is written again). */
const keptLists = new WeakMap<readonly AuthorizedServer[], KeptList>();

/**
 * `{"servers": [...]}` as bytes, the same as JSON.stringify gives, from each server's kept JSON:
 * a list of 1,000 servers is not serialized (nor encoded) again while nothing in it changed, and
 * neither joined nor hashed again while no server's JSON changed.
 */
export function serversJsonBody(
  servers: readonly AuthorizedServer[],
  liveStatus: (id: number) => LiveStatus | null,
): JsonBody {
  const parts = servers.map((server) => keptJson(server, liveStatus(server.row.id)));
  const before = keptLists.get(servers);
  if (before?.parts.every((part, index) => part === parts[index])) return before.body;
  const chunks: Buffer[] = [OPEN];
  const hashes: Buffer[] = [OPEN];
  for (const [index, { bytes, hash }] of parts.entries()) {
    if (index > 0) chunks.push(COMMA);
    chunks.push(bytes);
    hashes.push(hash);
  }
  chunks.push(CLOSE);
  const body = { body: Buffer.concat(chunks), etag: etagOf(...hashes) };
  keptLists.set(servers, { parts, body });
  return body;
}
