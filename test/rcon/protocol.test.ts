import { describe, expect, it } from 'vitest';
import {
  encodePacket,
  MAX_BODY,
  MalformedPacketError,
  PacketFramer,
  splitBody,
} from '../../src/rcon/protocol.js';

/** A packet as bytes, with any size field and payload (body and NULs; encodePacket makes only valid ones). */
function rawPacket(size: number, id: number, type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header.writeInt32LE(size, 0);
  header.writeInt32LE(id, 4);
  header.writeInt32LE(type, 8);
  return Buffer.concat([header, payload]);
}

describe('RCON framing', () => {
  it('encodes size, id, type, body and two NULs', () => {
    expect(encodePacket({ id: 7, type: 2, body: 'status' })).toEqual(
      rawPacket(16, 7, 2, Buffer.from('status\0\0', 'latin1')),
    );
  });

  it('reassembles packets however the stream is chunked', () => {
    const stream = Buffer.concat([
      encodePacket({ id: 1, type: 2, body: 'status' }),
      encodePacket({ id: 2, type: 0, body: '' }),
    ]);
    const framer = new PacketFramer();
    const packets = [...stream].flatMap((byte) => framer.push(Buffer.from([byte])));
    expect(packets).toEqual([
      { id: 1, type: 2, body: 'status' },
      { id: 2, type: 0, body: '' },
    ]);
    expect(new PacketFramer().push(stream)).toEqual(packets);
  });

  it('leaves bodies as bytes in pushRaw, so a character cut between packets can be joined', () => {
    const bytes = Buffer.from('ë', 'utf8');
    const framer = new PacketFramer();
    const packets = framer.pushRaw(
      Buffer.concat([
        rawPacket(11, 1, 0, Buffer.concat([bytes.subarray(0, 1), Buffer.from([0, 0])])),
        rawPacket(11, 1, 0, Buffer.concat([bytes.subarray(1), Buffer.from([0, 0])])),
      ]),
    );
    expect(Buffer.concat(packets.map((packet) => packet.body)).toString('utf8')).toBe('ë');
  });

  it('ends a body at its first NUL, or two bytes before the end when it has none', () => {
    expect(new PacketFramer().push(rawPacket(14, 1, 0, Buffer.from([0, 1, 0, 0, 0, 0])))).toEqual([
      { id: 1, type: 0, body: '' },
    ]);
    expect(new PacketFramer().push(rawPacket(11, 1, 0, Buffer.from('abc')))).toEqual([
      { id: 1, type: 0, body: 'a' },
    ]);
  });

  it('throws on a size field too small or too large, as soon as it is read', () => {
    for (const size of [-1, 0, 9, MAX_BODY + 11, 0x7fffffff]) {
      const header = Buffer.alloc(4);
      header.writeInt32LE(size, 0);
      expect(() => new PacketFramer().push(header)).toThrow(MalformedPacketError);
    }
    // The largest packet srcds sends is fine.
    const largest = encodePacket({ id: 1, type: 0, body: 'x'.repeat(MAX_BODY) });
    expect(new PacketFramer().push(largest)[0]?.body.length).toBe(MAX_BODY);
  });

  it('splits long bodies at 4096 bytes, never inside a UTF-8 character', () => {
    const chunks = splitBody('x'.repeat(10000));
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1808]);
    expect(splitBody('short')).toEqual(['short']);
    const accented = splitBody(`${'x'.repeat(4095)}ë`);
    expect(accented).toEqual(['x'.repeat(4095), 'ë']);
  });
});
