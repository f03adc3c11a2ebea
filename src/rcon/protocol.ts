/**
 * Source RCON packet framing, shared by the panel's client (`client.ts`) and the srcds simulator.
 * A packet is int32 size (LE, excluding itself), int32 id, int32 type, body, NUL, NUL.
 */
export const SERVERDATA_AUTH = 3;
export const SERVERDATA_AUTH_RESPONSE = 2;
export const SERVERDATA_EXECCOMMAND = 2;
export const SERVERDATA_RESPONSE_VALUE = 0;
/** srcds splits a reply into packets of at most this many body bytes. */
export const MAX_BODY = 4096;
/** Larger size fields than this are garbage or an attack; srcds drops such connections too. */
const MAX_PACKET_SIZE = MAX_BODY + 10;
/** The smallest packet: id, type and two NULs. */
const MIN_PACKET_SIZE = 10;

export interface RconPacket {
  id: number;
  type: number;
  body: string;
}

/** A packet whose body is left as bytes: a reply split by srcds may cut a UTF-8 sequence in two. */
export interface RawRconPacket {
  id: number;
  type: number;
  body: Buffer;
}

export class MalformedPacketError extends Error {}

export function encodePacket(packet: RconPacket): Buffer {
  const body = Buffer.from(packet.body, 'utf8');
  const buffer = Buffer.alloc(body.length + 14);
  buffer.writeInt32LE(body.length + 10, 0);
  buffer.writeInt32LE(packet.id, 4);
  buffer.writeInt32LE(packet.type, 8);
  body.copy(buffer, 12);
  return buffer;
}

/** Splits a reply body at MAX_BODY bytes, never inside a UTF-8 sequence. */
export function splitBody(body: string): string[] {
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length <= MAX_BODY) return [body];
  const chunks: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + MAX_BODY, bytes.length);
    while (end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    chunks.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return chunks;
}

/** Reassembles packets from a TCP byte stream, however it was cut into chunks. */
export class PacketFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete packets so far, bodies as bytes; throws MalformedPacketError on a bad size field. */
  pushRaw(chunk: Buffer): RawRconPacket[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: RawRconPacket[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32LE(0);
      if (size < MIN_PACKET_SIZE || size > MAX_PACKET_SIZE) {
        throw new MalformedPacketError(`bad rcon packet size ${size}`);
      }
      const end = size + 4;
      if (this.pending.length < end) break;
      const packet = this.pending.subarray(0, end);
      // The body ends at its NUL; a packet without one ends two bytes early, as if it had them.
      const nul = packet.indexOf(0, 12);
      packets.push({
        id: packet.readInt32LE(4),
        type: packet.readInt32LE(8),
        body: Buffer.from(packet.subarray(12, nul >= 0 ? nul : end - 2)),
      });
      this.pending = this.pending.subarray(end);
    }
    return packets;
  }

  /** The complete packets so far, bodies decoded as UTF-8. */
  push(chunk: Buffer): RconPacket[] {
    return this.pushRaw(chunk).map((packet) => ({ ...packet, body: packet.body.toString('utf8') }));
  }
}
