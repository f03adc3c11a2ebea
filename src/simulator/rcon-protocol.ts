export const SERVERDATA_AUTH = 3;
export const SERVERDATA_AUTH_RESPONSE = 2;
export const SERVERDATA_EXECCOMMAND = 2;
export const SERVERDATA_RESPONSE_VALUE = 0;
/** srcds splits a reply into packets of at most this many body bytes. */
export const MAX_BODY = 4096;
/** Larger size fields than this are garbage or an attack; srcds drops such connections too. */
const MAX_PACKET_SIZE = 4096 + 10;

export interface RconPacket {
  id: number;
  type: number;
  body: string;
}

/** int32 size (LE, excluding itself), int32 id, int32 type, body, NUL, NUL. */
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

  /** Returns the complete packets so far; throws on a malformed size field. */
  push(chunk: Buffer): RconPacket[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: RconPacket[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32LE(0);
      if (size < 10 || size > MAX_PACKET_SIZE) throw new Error(`bad rcon packet size ${size}`);
      if (this.pending.length < size + 4) break;
      const end = size + 4;
      const bodyEnd = this.pending.indexOf(0, 12);
      packets.push({
        id: this.pending.readInt32LE(4),
        type: this.pending.readInt32LE(8),
        body: this.pending.toString('utf8', 12, bodyEnd >= 0 && bodyEnd < end ? bodyEnd : end - 2),
      });
      this.pending = this.pending.subarray(end);
    }
    return packets;
  }
}
