/**
 * The Engine API's log stream of a container without a TTY: frames of an 8-byte header (stream 1
 * stdout / 2 stderr, three zero bytes, the payload's length as a big-endian uint32) and a payload.
 * With `timestamps`, every line starts with its RFC 3339 time and a space. Pure, fed in chunks as
 * they arrive (a frame or a line may be cut anywhere).
 */

const HEADER_BYTES = 8;

/** Splits a byte stream into the payloads of its frames. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const payloads: Buffer[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + length) break;
      payloads.push(this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length));
      this.pending = this.pending.subarray(HEADER_BYTES + length);
    }
    return payloads;
  }
}

export interface LogLine {
  /** The engine's time of the line, as it wrote it (nanoseconds: compare as text of equal length). */
  time: string;
  text: string;
}

/** Splits payloads into whole lines and their timestamps; a line cut between payloads waits for its end. */
export class TimestampedLines {
  private partial = '';

  push(payload: Buffer): LogLine[] {
    const text = this.partial + payload.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map(parseLogLine);
  }
}

export function parseLogLine(line: string): LogLine {
  const space = line.indexOf(' ');
  const time = space > 0 ? line.slice(0, space) : '';
  if (!/^\d{4}-\d\d-\d\dT/.test(time)) return { time: '', text: line };
  return { time, text: line.slice(space + 1).replace(/\r$/, '') };
}

/** A log read whole (not followed): its lines' text. */
export function logText(raw: Buffer): string {
  return new FrameParser()
    .push(raw)
    .map((payload) => payload.toString('utf8'))
    .join('');
}

/**
 * RFC 3339 times with nanoseconds and `Z` compare as numbers when the fraction has equal length;
 * the engine trims trailing zeros, so pad before comparing.
 */
export function isAfter(time: string, than: string): boolean {
  return normalizeTime(time) > normalizeTime(than);
}

function normalizeTime(time: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!match) return time;
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z`;
}
